import { FabrikError } from '../../shared/errors.ts';
import { checkModelNames, DEFAULT_MAX_OUTPUT_TOKENS, parseModelDefinition, type ModelDefinition } from '../core/model-definition.ts';

/** `--model NAME=URL[,URL…]`: a model with equal-weight replicas and no prices. */
export function parseModelOption(raw: string, index: number): ModelDefinition {
  const equals = raw.indexOf('=');
  const param = `--model[${index}]`;
  if (equals <= 0 || equals === raw.length - 1) throw new FabrikError('invalid_option', `--model must be NAME=URL[,URL…]; got ${JSON.stringify(raw)}`, { param: 'model' });
  const urls = raw.slice(equals + 1).split(',').map((url) => url.trim()).filter((url) => url !== '');
  try {
    return parseModelDefinition({ code: 'invalid_option' }, { name: raw.slice(0, equals).trim(), replicas: urls, maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS }, param);
  } catch (error) {
    if (error instanceof FabrikError) throw new FabrikError('invalid_option', error.message.replace(`${param}.`, '--model '), { param: 'model' });
    throw error;
  }
}

/** Config models and command-line models together; a name on the command line replaces the config's. */
export function mergeModels(config: readonly ModelDefinition[], flags: readonly ModelDefinition[]): ModelDefinition[] {
  const replaced = new Set(flags.map((model) => model.name));
  const merged = [...config.filter((model) => !replaced.has(model.name)), ...flags];
  checkModelNames({ code: 'invalid_option' }, merged, 'models');
  return merged;
}
