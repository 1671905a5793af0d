//! Warning messages: what the warning state emits on each update, self-contained (area geometry included) so that
//! the CAP and GeoJSON writers need nothing else.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::area::AreaGeometry;
use super::rules::{Hazard, Level};
use crate::verify::RegionId;

/// CAP 1.2 `msgType` of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MsgType {
    /// A new warning.
    Alert,
    /// Supersedes the referenced message (level raised or lowered, or validity extended).
    Update,
    /// Cancels the referenced message.
    Cancel,
}

impl MsgType {
    /// The CAP element text.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::Alert => "Alert",
            MsgType::Update => "Update",
            MsgType::Cancel => "Cancel",
        }
    }
}

/// Why a message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// First message of a warning.
    New,
    /// Level raised.
    Upgrade,
    /// Level lowered (after `cancel_after` updates below the level's `p_off`).
    Downgrade,
    /// Same level, validity extended before expiry.
    Extend,
    /// Warning ended (after `cancel_after` updates below every `p_off`, or expired without data).
    Cancel,
}

/// A reference to an earlier message (CAP `references` entry `sender,identifier,sent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Sender of the referenced message.
    pub sender: String,
    /// Its identifier.
    pub identifier: String,
    /// When it was sent.
    pub sent: DateTime<Utc>,
}

/// One warning message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningMessage {
    /// Unique identifier: `<hazard>.<area id>.<sent yyyymmddHHMMSS>.<serial>`.
    pub identifier: String,
    /// CAP sender.
    pub sender: String,
    /// CAP status (`Actual`, `Test`, …).
    pub status: String,
    /// When the message was made (the update time).
    pub sent: DateTime<Utc>,
    /// CAP message type.
    pub msg_type: MsgType,
    /// What changed.
    pub change: Change,
    /// Every earlier message of the same warning, oldest first (empty for an Alert).
    pub references: Vec<Reference>,
    /// Identifier of the warning's first message (CAP `incidents`): the same for every message of one warning.
    pub incident: String,
    /// The hazard.
    pub hazard: Hazard,
    /// Level in force (for a Cancel, the level cancelled).
    pub level: Level,
    /// The area's identifier.
    pub area_id: RegionId,
    /// The area's name.
    pub area_name: String,
    /// The area's shape.
    pub geometry: AreaGeometry,
    /// The area's probability (or threat score) at this update; NaN when the update had no data.
    pub probability: f32,
    /// Expected start of the hazard.
    pub onset: DateTime<Utc>,
    /// End of validity.
    pub expires: DateTime<Utc>,
}

impl WarningMessage {
    /// The reference another message makes to this one.
    pub fn reference(&self) -> Reference {
        Reference {
            sender: self.sender.clone(),
            identifier: self.identifier.clone(),
            sent: self.sent,
        }
    }
}
