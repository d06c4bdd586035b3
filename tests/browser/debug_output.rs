//! Console output: nothing without `debug`; with it, labelled lines that never hold a whole
//! token.

use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

/// Runs a refresher through success, every kind of trouble and stop, with `debug` as given.
async fn eventful_run(env: &Env, debug: bool, tokens: &[String]) {
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "debug", debug);
    set(&o, "expiration", now() - 1_000.0); // expired: an expired event at the first check
    fake.answer_throw("provider down");
    fake.answer_resolved(&tokens[0].clone().into()); // a bare JWT
    let r = refresher(&o);
    r.on("error".into(), fake.throwing_handler("handler bug"))
        .unwrap();
    r.on("refreshed".into(), fake.recorder()).unwrap();
    r.on("error".into(), fake.recorder()).unwrap();
    r.on("expired".into(), fake.recorder()).unwrap();
    r.start();
    c.until("the first refresh", || fake.count("refreshed") == 1)
        .await;
    for token in &tokens[1..] {
        fake.answer_token(token, now() + HOUR, "iso");
        let ok = JsFuture::from(r.refresh_now()).await;
        c.eq("refreshNow", ok.ok(), Some(true.into()));
    }
    fake.set_next("reject");
    fake.answer_token(&tokens[1], now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq(
        "refreshNow with setAccessToken rejecting",
        ok.ok(),
        Some(false.into()),
    );
    r.stop();
    c.eq("expired events", fake.count("expired"), 1);
    c.eq(
        "setAccessToken calls",
        fake.tokens().length(),
        tokens.len() as u32 + 1,
    );
}

fn secret_tokens() -> Vec<String> {
    let exp = (now() / 1000.0).floor() + 3600.0;
    vec![
        make_jwt(exp, "secret-subject-0123456789"),
        "opaque-SECRET-token-0123456789abcdefXYZW".to_string(),
        "tiny-token".to_string(),
    ]
}

#[wasm_bindgen_test]
async fn without_debug_nothing_reaches_the_console() {
    let env = Env::with_embed_token("initial-embed-token-abcdefghijklmnop");
    let spy = spy_console();
    eventful_run(&env, false, &secret_tokens()).await;
    spy.restore();
    env.c.eq("console calls", strings(&spy.texts()), Vec::new());
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn debug_output_never_contains_a_whole_token() {
    let initial = "initial-embed-token-abcdefghijklmnop";
    let env = Env::with_embed_token(initial);
    let tokens = secret_tokens();
    let spy = spy_console();
    eventful_run(&env, true, &tokens).await;
    spy.restore();
    let texts = strings(&spy.texts());
    let c = &env.c;
    c.ok("some debug output", texts.len() >= 4);
    c.ok(
        "output is labelled",
        texts.iter().any(|t| t.contains("[powerbi-token-refresh]")),
    );
    for token in tokens.iter().map(String::as_str).chain([initial]) {
        for line in &texts {
            c.ok(
                &format!("console line {line:?} does not contain the token {token:?}"),
                !line.contains(token),
            );
        }
    }
    env.finish(&[]).await;
}
