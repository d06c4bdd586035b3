//! The token's way into the embed: which embed `setAccessToken` is called on (found through the
//! `powerbi` option or `window.powerbi`, given as the `embed` option, replaced while the provider
//! works, missing from its container), and `setAccessToken` failing or never answering.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

use crate::support::*;

#[wasm_bindgen_test]
async fn set_access_token_failures_are_errors_then_recover() {
    let env = Env::new();
    let c = &env.c;
    for how in ["reject", "throw"] {
        let fake = create_fake(OPAQUE);
        fake.set_next(how);
        fake.answer_token("tok-refused", now() + HOUR, "iso");
        fake.answer_token("tok-accepted", now() + HOUR, "iso");
        let r = recorded(&fake, &options_for(&fake));
        r.start();
        c.until(&format!("setAccessToken {how}: refreshed"), || {
            fake.count("refreshed") == 1
        })
        .await;
        r.stop();
        c.eq(
            &format!("setAccessToken {how}: codes"),
            strings(&fake.error_codes()),
            vec!["SetAccessTokenFailed".to_string()],
        );
        let e = nth(&fake.events_of("error"), 0);
        c.ok(
            &format!("setAccessToken {how}: the cause is the embed's error"),
            text(&get(&e, "cause"), "message")
                .is_some_and(|m| m.starts_with("fake setAccessToken")),
        );
        c.eq(
            &format!("setAccessToken {how}: tokens handed over"),
            strings(&fake.tokens()),
            vec!["tok-refused".to_string(), "tok-accepted".to_string()],
        );
        c.eq(
            &format!("setAccessToken {how}: attempts"),
            num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
            Some(2.0),
        );
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn a_set_access_token_that_never_answers_times_out_then_recovers() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "setAccessTokenTimeoutMs", 30);
    fake.set_next("hang");
    fake.answer_token("tok-lost", now() + HOUR, "iso");
    fake.answer_token("tok-kept", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "codes",
        strings(&fake.error_codes()),
        vec!["SetAccessTokenTimeout".to_string()],
    );
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-lost".to_string(), "tok-kept".to_string()],
    );
    c.eq(
        "refreshed.attempts",
        num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
        Some(2.0),
    );
    // The hung call answers at last: no second refreshed event, no error.
    fake.settle_set(0, true);
    sleep(3 * INTERVAL).await;
    c.eq("refreshed events", fake.count("refreshed"), 1);
    c.eq("error events", fake.count("error"), 1);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn no_embed_in_the_container_skips_the_provider_then_recovers() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.set_has_embed(false);
    fake.answer_token("tok-after-embed", now() + HOUR, "iso");
    let r = recorded(fake, &env.options());
    r.start();
    c.until("two NoEmbed errors", || fake.count("error") >= 2)
        .await;
    c.eq(
        "provider calls while there is no embed",
        fake.call_count(),
        0,
    );
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("NoEmbed"));
    c.ok(
        "cause is what powerbi.get threw",
        text(&get(&e, "cause"), "message").is_some_and(|m| m.contains("no embedded component")),
    );

    fake.set_has_embed(true);
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let errors = fake.events_of("error");
    c.ok(
        "every error was NoEmbed",
        strings(&fake.error_codes()).iter().all(|x| x == "NoEmbed"),
    );
    let attempts: Vec<Option<f64>> = numbers(&errors, "attempt");
    let expected: Vec<Option<f64>> = (1..=errors.length()).map(|n| Some(f64::from(n))).collect();
    c.eq("error attempts count up", attempts, expected);
    c.eq(
        "refreshed.attempts",
        num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
        Some(f64::from(errors.length() + 1)),
    );
    c.eq("provider calls", fake.call_count(), 1);
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-after-embed".to_string()],
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_global_window_powerbi_is_used_without_the_powerbi_option() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    unset(&o, "powerbi");

    remove_global_powerbi();
    let r = recorded(fake, &o);
    r.start();
    c.until("an error without window.powerbi", || {
        fake.count("error") >= 1
    })
    .await;
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("NoEmbed"));
    c.ok(
        "message names window.powerbi",
        text(&e, "message").is_some_and(|m| m.contains("window.powerbi")),
    );
    c.eq("provider calls", fake.call_count(), 0);

    fake.answer_token("tok-global-service", now() + HOUR, "iso");
    install_global_powerbi(fake);
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-global-service".to_string()],
    );
    r.stop();
    remove_global_powerbi();
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_embed_option_is_refreshed_directly() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    unset(&o, "container");
    unset(&o, "powerbi");
    set(&o, "embed", fake.embed());
    fake.set_has_embed(false); // powerbi.get would fail: it must not be asked
    fake.answer_token("tok-direct", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "tokens on the embed",
        strings(&get(&fake.embed(), "tokens").unchecked_into()),
        vec!["tok-direct".to_string()],
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn an_embed_replaced_while_the_provider_works_gets_the_token() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_hang(false);
    let r = recorded(fake, &env.options());
    r.start();
    c.until("the provider call", || fake.call_count() == 1)
        .await;
    fake.replace_embed("re-embedded-config-token");
    fake.settle_pending(0, &answer("tok-for-new-embed", now() + HOUR));
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let embeds = fake.embeds();
    c.eq(
        "tokens on the old embed",
        strings(&get(&nth(&embeds, 0), "tokens").unchecked_into()),
        Vec::new(),
    );
    c.eq(
        "tokens on the new embed",
        strings(&get(&nth(&embeds, 1), "tokens").unchecked_into()),
        vec!["tok-for-new-embed".to_string()],
    );
    env.finish(&[&r]).await;
}
