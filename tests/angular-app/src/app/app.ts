// An Angular app as the CLI makes them (standalone components, signals), with the real
// powerbi-client-angular and powerbi-client and the package's injectTokenRefresher. The report
// comes from the local stand-in of the Power BI service (tests/standin), whose address the test
// passes as ?standin=. Buttons hide and show the report (the refresher's component is destroyed
// and created again) and switch it to another report (a new embed in the same component).
import { Component, NgZone, afterEveryRender, computed, effect, input, signal, viewChild } from '@angular/core';
import { PowerBIEmbedModule, PowerBIReportEmbedComponent } from 'powerbi-client-angular';
import { TokenRefresher } from 'powerbi-token-refresh/web';
import { injectTokenRefresher } from 'powerbi-token-refresh/angular';
import { BAD_OPTIONS, CHECK_INTERVAL_MS, MARGIN_MS, type Which, embedConfig, mint, record } from './backend';

/** The report and its token's state. */
@Component({
  selector: 'app-report',
  imports: [PowerBIEmbedModule],
  template: `
    @if (which() === 'a') {
      <powerbi-report [embedConfig]="config()" cssClassName="report" />
    } @else {
      <powerbi-report [embedConfig]="config()" cssClassName="report" />
    }
    <p id="status" role="status">{{ text() }}</p>
  `,
})
export class Report {
  readonly which = input.required<Which>();
  // A new component for each report: viewChild changes, and with it the embed.
  private readonly component = viewChild(PowerBIReportEmbedComponent);
  // From the backend when shown, with a fresh first token.
  protected readonly config = computed(() => embedConfig(this.which()));

  protected readonly token = injectTokenRefresher(() => this.component()?.getReport(), {
    minutesBeforeExpiration: MARGIN_MS / 60_000,
    checkIntervalMs: CHECK_INTERVAL_MS,
    minRefreshGapMs: 1000,
    // ?badOptions=1: a provider that is not a function, which the adapter must hand on as it is.
    getNewAccessToken: BAD_OPTIONS ? (42 as never) : async ({ reason, signal }) => {
      const at = Date.now();
      const report = this.which();
      await new Promise((resolve) => setTimeout(resolve, 50)); // the backend's round trip
      signal.throwIfAborted();
      const answer = mint();
      record.providerCalls.push({ n: answer.n, at, exp: answer.exp, report, reason });
      return { token: answer.token, expiration: answer.expiration };
    },
  });

  protected readonly text = computed(() => {
    const event = this.token.lastEvent();
    const status = this.token.status();
    const state = status?.running ? 'refresher running' : 'refresher stopped';
    if (event?.type === 'error') return `${state} · Could not renew access (${event.code}); trying again.`;
    return `${state} · ${event?.type ?? 'waiting for the first refresh'}, ${status?.refreshCount ?? 0} refreshes`;
  });

  constructor() {
    (window as any).app.refreshNow = () => this.token.refreshNow();
    effect(() => {
      const event = this.token.lastEvent();
      if (event) record.events.push({ type: event.type, at: Date.now() });
    });
  }
}

@Component({
  selector: 'app-root',
  imports: [Report],
  template: `
    <h1>Angular app (powerbi-client-angular)</h1>
    <button id="toggle" type="button" (click)="shown.set(!shown())">{{ shown() ? 'Hide' : 'Show' }} the report</button>
    <button id="switch" type="button" (click)="which.set(which() === 'a' ? 'b' : 'a')">Switch report</button>
    @if (shown()) {
      <app-report [which]="which()" />
    }
  `,
})
export class App {
  protected readonly shown = signal(true);
  protected readonly which = signal<Which>('a');

  constructor() {
    record.inAngularZone = NgZone.isInAngularZone();
    record.bootedAt = Date.now();
    afterEveryRender(() => (record.renders += 1));
    (window as any).app = { record, startedCount: () => TokenRefresher.startedCount(), ready: true };
  }
}
