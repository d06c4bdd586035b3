// Boots the app with zone.js (?zone=1) or without it (the default of new Angular CLI apps): one
// build serves both, zone.js loaded before bootstrap only when asked for.
import { provideZoneChangeDetection, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import init from 'powerbi-token-refresh/web';
import { App } from './app/app';

// The .wasm, copied next to index.html by the `assets` entry in angular.json. injectTokenRefresher
// waits for this same load.
init({ module_or_path: 'powerbi_token_refresh_bg.wasm' });

const withZone = new URLSearchParams(location.search).get('zone') === '1';
(withZone ? import('zone.js') : Promise.resolve())
  .then(() =>
    bootstrapApplication(App, {
      providers: [withZone ? provideZoneChangeDetection({ eventCoalescing: true }) : provideZonelessChangeDetection()],
    }),
  )
  .catch((error) => console.error(error));
