import { createApp } from "vue";
import App from "./App.vue";
import "./bad-options.js";

createApp(App).mount("#app");
