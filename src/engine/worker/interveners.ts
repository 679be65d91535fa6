// The worker's Intervener: built on the cached Attributor's model and transcoders (one copy of the transcoders per
// worker) and rebuilt when that Attributor is replaced; the Attributor owns and closes the transcoders.
import type { Attributor } from '../attribution/attribute';
import { Intervener } from '../interventions/intervene';

export class IntervenerCache {
  private current: { attributor: Attributor; intervener: Promise<Intervener> } | undefined;

  get(attributor: Attributor): Promise<Intervener> {
    if (this.current?.attributor === attributor) return this.current.intervener;
    this.dispose();
    const intervener = Intervener.create(attributor.model, attributor.transcoders);
    this.current = { attributor, intervener };
    // a failed build is not kept: the next request tries again
    intervener.catch(() => {
      if (this.current?.intervener === intervener) this.current = undefined;
    });
    return intervener;
  }

  dispose(): void {
    void this.current?.intervener.then((iv) => iv.dispose()).catch(() => undefined); // its build already reported its own error
    this.current = undefined;
  }
}
