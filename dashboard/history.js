// The last minutes of figures per pool and target, one point a second, for the charts.

export const POINTS = 300;

export class History {
  constructor() {
    this.t = [];
    this.active = [];
    this.connRate = [];
    this.inRate = [];
    this.outRate = [];
  }

  push(t, f) {
    this.t.push(t);
    this.active.push(f.active);
    this.connRate.push(f.connRate);
    this.inRate.push(f.bytesInRate);
    this.outRate.push(f.bytesOutRate);
    if (this.t.length > POINTS)
      for (const a of [this.t, this.active, this.connRate, this.inRate, this.outRate]) a.shift();
  }

  data() {
    return [this.t, this.active, this.connRate, this.inRate, this.outRate];
  }
}
