/** Where every plane puts its Prometheus text: GET /metrics renders them all, in the order registered. */
export interface MetricsRegistry {
  /** Adds a plane's renderer; a second one under the same name replaces the first. */
  register(plane: string, render: () => string): void;
  render(): string;
}

/** Builds an empty registry. */
export function createMetricsRegistry(): MetricsRegistry {
  const renderers = new Map<string, () => string>();
  return {
    register(plane, render) {
      renderers.set(plane, render);
    },
    render() {
      let text = '';
      for (const render of renderers.values()) {
        const part = render();
        text += part.endsWith('\n') || part === '' ? part : `${part}\n`;
      }
      return text;
    },
  };
}
