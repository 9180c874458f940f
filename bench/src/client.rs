//! Setup requests (tokens, feed cursors, sample responses for the ceiling): plain
//! HTTP/1.1 to 127.0.0.1 through ureq, never part of a measurement.

use std::time::Duration;

use anyhow::Context as _;

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_mins(2)))
        .build()
        .into()
}

/// One response, as the ceiling will replay it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Sample {
    fn read(mut response: ureq::http::Response<ureq::Body>) -> anyhow::Result<Self> {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let body = response.body_mut().with_config().limit(64 * 1024 * 1024).read_to_vec()?;
        Ok(Self { status, content_type, body })
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).context("response is not JSON")
    }
}

pub fn get(agent: &ureq::Agent, url: &str, token: Option<&str>, headers: &[(&str, &str)]) -> anyhow::Result<Sample> {
    let mut request = agent.get(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Sample::read(request.call().with_context(|| format!("GET {url}"))?)
}

pub fn post_json(agent: &ureq::Agent, url: &str, token: Option<&str>, body: &str) -> anyhow::Result<Sample> {
    let mut request = agent.post(url).header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    Sample::read(request.send(body).with_context(|| format!("POST {url}"))?)
}

/// Logs in and returns the access token.
pub fn login(agent: &ureq::Agent, base: &str, username: &str, password: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let sample = post_json(agent, &format!("{base}/api/v1/auth/login"), None, &body)?;
    anyhow::ensure!(sample.ok(), "login {username}: {} {}", sample.status, String::from_utf8_lossy(&sample.body));
    sample.json()?["access_token"].as_str().map(str::to_owned).context("no access_token in the login response")
}

/// Access tokens for these users, logged in two at a time (argon2 is the cost).
pub fn tokens(base: &str, usernames: &[String], password: &str) -> anyhow::Result<Vec<String>> {
    let halves = usernames.split_at(usernames.len() / 2);
    std::thread::scope(|scope| {
        let jobs: Vec<_> = [halves.0, halves.1]
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    let agent = agent();
                    part.iter().map(|name| login(&agent, base, name, password)).collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        for job in jobs {
            all.extend(job.join().map_err(|_| anyhow::anyhow!("login thread panicked"))??);
        }
        Ok(all)
    })
}
