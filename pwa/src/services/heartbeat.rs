//! The live connection's own heartbeat: a connection quiet for [`HEARTBEAT_MS`] gets a small
//! application-level ping, and a ping unanswered for [`HEARTBEAT_DEADLINE_MS`] means the
//! connection is gone (a phone that lost its network may keep a socket that looks open).

/// Quiet time after which the screen pings the server.
pub const HEARTBEAT_MS: f64 = 8_000.0;
/// A ping unanswered this long means the connection is gone.
pub const HEARTBEAT_DEADLINE_MS: f64 = 4_000.0;

/// What the heartbeat asks for at a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// Nothing to do.
    Quiet,
    /// Send a ping now.
    Ping,
    /// The ping went unanswered: the connection is dead.
    Dead,
}

/// The application-level heartbeat of an open connection.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Heartbeat {
    last_heard_ms: f64,
    ping_sent_ms: Option<f64>,
}

impl Heartbeat {
    /// Starts afresh (the connection opened, or a message arrived) at `now_ms`.
    pub fn heard(&mut self, now_ms: f64) {
        self.last_heard_ms = now_ms;
        self.ping_sent_ms = None;
    }

    /// What to do at `now_ms`.
    pub fn check(&mut self, now_ms: f64) -> Beat {
        match self.ping_sent_ms {
            Some(sent) if now_ms - sent >= HEARTBEAT_DEADLINE_MS => Beat::Dead,
            Some(_) => Beat::Quiet,
            None if now_ms - self.last_heard_ms >= HEARTBEAT_MS => {
                self.ping_sent_ms = Some(now_ms);
                Beat::Ping
            }
            None => Beat::Quiet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_connection_is_pinged_and_an_unanswered_ping_means_it_is_gone() {
        let mut beat = Heartbeat::default();
        beat.heard(0.0);
        assert_eq!(beat.check(HEARTBEAT_MS - 1.0), Beat::Quiet);
        assert_eq!(beat.check(HEARTBEAT_MS), Beat::Ping);
        assert_eq!(
            beat.check(HEARTBEAT_MS + 1_000.0),
            Beat::Quiet,
            "one ping at a time"
        );
        let answered = {
            let mut b = beat.clone();
            b.heard(HEARTBEAT_MS + 500.0);
            b.check(HEARTBEAT_MS + HEARTBEAT_DEADLINE_MS + 1.0)
        };
        assert_eq!(answered, Beat::Quiet, "an answer keeps it alive");
        assert_eq!(beat.check(HEARTBEAT_MS + HEARTBEAT_DEADLINE_MS), Beat::Dead);
    }
}
