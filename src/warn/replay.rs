//! Replay of a sequence of updates through a warning state, with the warnings verified against known events by
//! the NWS storm-based scores of [`crate::verify::warning`] (POD, FAR, CSI and the lead times of the hits). The
//! report keeps the warnings, so they can be scored again by another rule with
//! [`verify_warnings_with`](crate::verify::verify_warnings_with) (e.g. [`HitRule::Onset`](crate::verify::HitRule),
//! which does not credit warnings issued on rain that is already falling).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::inputs::WarningInputs;
use super::message::{MsgType, WarningMessage};
use super::rules::Hazard;
use super::state::WarningState;
use crate::error::Result;
use crate::verify::{ObservedEvent, Warning, WarningVerification, verify_warnings};

/// One update of a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayFrame {
    /// Update time.
    pub time: DateTime<Utc>,
    /// What the update sees.
    pub inputs: WarningInputs,
}

/// The outcome of a replay for one hazard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    /// Every message sent, all hazards, in order.
    pub messages: Vec<WarningMessage>,
    /// The warnings of the hazard verified: one per incident (Alert to Cancel, or to the last expiry when the
    /// replay ends first), valid from the Alert's sending time.
    pub warnings: Vec<Warning>,
    /// Their verification against the events.
    pub verification: WarningVerification,
    /// Warnings of the hazard issued in an area within `flap_window_s` after an earlier one there was cancelled
    /// (a measure of flapping; 0 is the aim).
    pub reissues: usize,
}

/// Turns the messages of one hazard into verifiable warnings, one per incident.
pub fn warnings_of(messages: &[WarningMessage], hazard: Hazard) -> Vec<Warning> {
    let mut out: Vec<Warning> = Vec::new();
    let mut open: Vec<(String, Warning)> = Vec::new();
    for m in messages.iter().filter(|m| m.hazard == hazard) {
        match m.msg_type {
            MsgType::Alert => open.push((
                m.incident.clone(),
                Warning {
                    region: m.area_id,
                    issued: m.sent,
                    valid_from: m.sent,
                    valid_until: m.expires,
                },
            )),
            MsgType::Update | MsgType::Cancel => {
                if let Some(i) = open.iter().position(|(inc, _)| *inc == m.incident) {
                    open[i].1.valid_until = if m.msg_type == MsgType::Cancel {
                        m.sent
                    } else {
                        m.expires
                    };
                    if m.msg_type == MsgType::Cancel {
                        out.push(open.remove(i).1);
                    }
                }
            }
        }
    }
    out.extend(open.into_iter().map(|(_, w)| w));
    out.sort_by_key(|w| (w.issued, w.region));
    out
}

/// Runs `frames` through `state` and verifies the `hazard`'s warnings against `events`.
///
/// # Errors
/// Whatever [`WarningState::update`] or [`verify_warnings`] reports (frames out of order, bad grids).
pub fn replay(
    state: &mut WarningState,
    frames: &[ReplayFrame],
    hazard: Hazard,
    events: &[ObservedEvent],
    flap_window_s: i64,
) -> Result<ReplayReport> {
    let mut messages = Vec::new();
    for frame in frames {
        messages.extend(state.update(frame.time, &frame.inputs)?);
    }
    let warnings = warnings_of(&messages, hazard);
    let verification = verify_warnings(&warnings, events)?;
    let reissues = warnings
        .iter()
        .filter(|w| {
            warnings.iter().any(|v| {
                v.region == w.region
                    && v.valid_until <= w.issued
                    && (w.issued - v.valid_until).num_seconds() <= flap_window_s
            })
        })
        .count();
    Ok(ReplayReport {
        messages,
        warnings,
        verification,
        reissues,
    })
}
