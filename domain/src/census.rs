//! The census of residents and verification against it (DESIGN §2.1).
//!
//! An admin imports the census as CSV (`document_number`, `birth_date`, `scope_code`); a
//! participant verifies by giving their document number and birth date, and a match makes them a
//! resident of that scope. This module parses the file (all rows or none), normalises document
//! numbers before the API hashes them, and decides a verification attempt: match, age,
//! uniqueness of the document among live accounts, and the lockout after repeated failures.

use crate::calendar::{Date, Timestamp};
use crate::error::{DomainError, FieldCode};
use serde::Serialize;

/// Failed attempts allowed before verification locks.
pub const FAILURES_BEFORE_LOCK: u32 = 5;
/// Failed attempts on one document number, by any accounts, before it locks. Higher than the
/// per-account limit so that a person's own mistakes lock their account first; it stops guessing
/// a known document's birth date with many accounts, at the price that whoever knows someone's
/// document number can delay that person's verification.
pub const DOCUMENT_FAILURES_BEFORE_LOCK: u32 = 10;
/// The first lock lasts this long; each further failure doubles it.
pub const FIRST_LOCK_SECONDS: i64 = 60;
/// No lock lasts longer than a day.
pub const MAX_LOCK_SECONDS: i64 = 24 * 60 * 60;
/// Failures are forgiven one per this many seconds without a failure (once no lock is running):
/// a counter that never decayed would let whoever knows a document number keep it locked for
/// good with one failure a day, each re-locking it for the maximum.
pub const FAILURE_FORGIVEN_EVERY_SECONDS: i64 = 60 * 60;

/// The fewest letters and digits of a document number.
pub const MIN_DOCUMENT_LENGTH: usize = 4;
/// The most letters and digits of a document number (separators not counted).
pub const MAX_DOCUMENT_LENGTH: usize = 32;
/// The characters a document number may be written with between its letters and digits, and
/// that normalising removes.
pub const DOCUMENT_SEPARATORS: [char; 5] = [' ', '.', '-', '/', '\t'];

/// A document number, normalised: ASCII uppercase, without spaces, dots, dashes, slashes or
/// tabs ([`DOCUMENT_SEPARATORS`]), so that `12.345.678-z` and `12345678Z` are the same person.
/// [`MIN_DOCUMENT_LENGTH`] to [`MAX_DOCUMENT_LENGTH`] letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    pub fn parse(raw: &str) -> Option<DocumentNumber> {
        let normalised: String = raw
            .chars()
            .filter(|c| !DOCUMENT_SEPARATORS.contains(c))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = (MIN_DOCUMENT_LENGTH..=MAX_DOCUMENT_LENGTH).contains(&normalised.len())
            && normalised
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        valid.then_some(DocumentNumber(normalised))
    }

    /// The normalised number; the API feeds this (and only this) to the keyed hash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One resident as the census lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CensusEntry {
    /// The line of the file where the entry's row starts (1 is the first line, usually the
    /// header), for error messages.
    pub line: usize,
    pub document: DocumentNumber,
    pub birth_date: Date,
    pub scope_code: String,
}

/// A problem on one line of a census file: the line where the row starts (1 is the first line,
/// usually the header), as a person counts lines in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CensusLineError {
    pub line: usize,
    pub code: FieldCode,
    pub message: String,
}

/// Parses a census CSV. The header must name the columns `document_number`, `birth_date` and
/// `scope_code` (any order, extra columns ignored); `,` or `;` separates fields (whichever the
/// header line has more of), `"` quotes them, `""` inside quotes is a quote, and a quoted field
/// may hold the separator or a line break (RFC 4180, as spreadsheets write it: the `csv` crate
/// reads it). Birth dates are `YYYY-MM-DD`. Either every row is valid and all entries are
/// returned, or the file is refused with every problem found, each on the line where its row
/// starts, so an import never half-happens.
pub fn parse_census_csv(text: &str) -> Result<Vec<CensusEntry>, Vec<CensusLineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let error = |line: usize, code: FieldCode, message: String| CensusLineError {
        line,
        code,
        message,
    };

    let Some(header) = text.lines().find(|line| !line.trim().is_empty()) else {
        return Err(vec![error(
            1,
            FieldCode::EmptyFile,
            "The file is empty.".into(),
        )]);
    };
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    // Rows may have fewer or more fields than the header (`flexible`): a missing field is empty,
    // and is reported as such below.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut unreadable = None;
    // Where the last record starts (line, byte), blank or not: the one an unclosed quote is in.
    let mut last = (1, 0);
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = starting_line(text, record.position());
                last = (line, start_byte(record.position()));
                let blank = record.len() == 1 && record.iter().all(|f| f.trim().is_empty());
                if !blank {
                    records.push((line, record));
                }
            }
            // Not expected from text in memory (the reader fails on I/O or invalid UTF-8 only);
            // refused rather than skipped, all the same.
            Err(csv_error) => {
                let line = starting_line(text, csv_error.position());
                unreadable = Some(error(
                    line,
                    FieldCode::UnreadableLine,
                    csv_error.to_string(),
                ));
                break;
            }
        }
    }
    if let Some(unreadable) = unreadable {
        return Err(vec![unreadable]);
    }
    let mut records = records.into_iter();
    let Some((header_line, header)) = records.next() else {
        return Err(vec![error(
            1,
            FieldCode::EmptyFile,
            "The file is empty.".into(),
        )]);
    };
    let columns: Vec<String> = header
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let position = |name: &str| columns.iter().position(|c| c == name);
    let (Some(document_at), Some(birth_at), Some(scope_at)) = (
        position("document_number"),
        position("birth_date"),
        position("scope_code"),
    ) else {
        return Err(vec![error(
            header_line,
            FieldCode::InvalidHeader,
            "The header must name the columns document_number, birth_date and scope_code.".into(),
        )]);
    };

    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (number, fields) in records {
        let field = |at: usize| fields.get(at).map(str::trim).unwrap_or("");
        let document = DocumentNumber::parse(field(document_at));
        let birth_date = Date::parse_iso(field(birth_at));
        let scope_code = field(scope_at);
        if document.is_none() {
            errors.push(error(
                number,
                FieldCode::InvalidDocumentNumber,
                format!(
                    "The document number must have {MIN_DOCUMENT_LENGTH} to {MAX_DOCUMENT_LENGTH} \
                     letters and digits."
                ),
            ));
        }
        if birth_date.is_none() {
            errors.push(error(
                number,
                FieldCode::InvalidBirthDate,
                format!(
                    "The birth date {:?} is not a YYYY-MM-DD date.",
                    field(birth_at)
                ),
            ));
        }
        if scope_code.is_empty() {
            errors.push(error(
                number,
                FieldCode::MissingScopeCode,
                "The scope code is empty.".into(),
            ));
        }
        if let (Some(document), Some(birth_date)) = (document, birth_date) {
            if let Some(first) = seen.insert(document.clone(), number) {
                errors.push(error(
                    number,
                    FieldCode::DuplicateDocumentNumber,
                    format!("The same document number is already on line {first}."),
                ));
            }
            entries.push(CensusEntry {
                line: number,
                document,
                birth_date,
                scope_code: scope_code.to_string(),
            });
        }
    }
    let (last_line, last_start) = last;
    if ends_inside_quotes(
        text.as_bytes().get(last_start..).unwrap_or_default(),
        delimiter,
    ) {
        errors.push(error(
            last_line,
            FieldCode::UnclosedQuote,
            "A quoted field that starts in this row is never closed: the rest of the file would be read as part of it.".into(),
        ));
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// The line of the file where a record starts, as a person counts lines (1 is the first). The
/// reader's position is where it began reading the record, which is before any empty lines in
/// front of it (and before the `\n` of a `\r\n` that ended the record before): those are
/// counted in.
fn starting_line(text: &str, position: Option<&csv::Position>) -> usize {
    let Some(position) = position else {
        return 1;
    };
    let skipped = text
        .as_bytes()
        .get(start_byte(Some(position))..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    usize::try_from(position.line())
        .unwrap_or(usize::MAX)
        .saturating_add(skipped)
}

/// The byte of the text where the reader began reading a record.
fn start_byte(position: Option<&csv::Position>) -> usize {
    position
        .and_then(|position| usize::try_from(position.byte()).ok())
        .unwrap_or(0)
}

/// Whether the file ends inside a quoted field: a quote opened in its last record and never
/// closed, which made the reader take every line after it as part of that field. The last record
/// (`tail`) is read again followed by a line break and one more field: a closed record ends at
/// that line break, giving two records; an open quote swallows it, giving one.
fn ends_inside_quotes(tail: &[u8], delimiter: u8) -> bool {
    let probe = [tail, b"\nend"].concat();
    let records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(probe.as_slice())
        .records()
        .count();
    records < 2
}

/// Where a participant's verification lock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VerificationLock {
    pub failures: u32,
    pub last_failure_at: Option<Timestamp>,
    pub locked_until: Option<Timestamp>,
}

impl VerificationLock {
    /// The counter as it stands at `now`: one failure forgiven per
    /// [`FAILURE_FORGIVEN_EVERY_SECONDS`] since the later of the last failure and the end of the
    /// last lock.
    pub fn decayed(&self, now: Timestamp) -> VerificationLock {
        let quiet_since = match (self.last_failure_at, self.locked_until) {
            (Some(failure), Some(until)) => failure.max(until),
            (Some(failure), None) => failure,
            (None, Some(until)) => until,
            (None, None) => return *self,
        };
        let quiet = now.seconds() - quiet_since.seconds();
        if quiet <= 0 {
            return *self;
        }
        let forgiven = u32::try_from(quiet / FAILURE_FORGIVEN_EVERY_SECONDS).unwrap_or(u32::MAX);
        VerificationLock {
            failures: self.failures.saturating_sub(forgiven),
            ..*self
        }
    }

    /// Refuses while locked, telling how long to wait.
    pub fn check(&self, now: Timestamp) -> Result<(), DomainError> {
        match self.locked_until {
            Some(until) if until > now => Err(DomainError::VerificationLocked {
                retry_after_seconds: u64::try_from(until.seconds() - now.seconds()).unwrap_or(1),
            }),
            _ => Ok(()),
        }
    }

    /// The lock of an account after one more failure at `now`: no lock for the first four
    /// failures, then a minute at the fifth, doubling with every further failure, capped at a day.
    pub fn after_failure(&self, now: Timestamp) -> VerificationLock {
        self.after_failure_with_threshold(now, FAILURES_BEFORE_LOCK)
    }

    /// The lock of a document number after one more failure on it at `now` (by any account):
    /// the same growth, from the tenth failure.
    pub fn after_document_failure(&self, now: Timestamp) -> VerificationLock {
        self.after_failure_with_threshold(now, DOCUMENT_FAILURES_BEFORE_LOCK)
    }

    fn after_failure_with_threshold(&self, now: Timestamp, threshold: u32) -> VerificationLock {
        let failures = self.decayed(now).failures.saturating_add(1);
        let locked_until = (failures >= threshold).then(|| {
            let doublings = (failures - threshold).min(20);
            let seconds = (FIRST_LOCK_SECONDS << doublings).min(MAX_LOCK_SECONDS);
            now.plus_seconds(seconds)
        });
        VerificationLock {
            failures,
            last_failure_at: Some(now),
            locked_until,
        }
    }
}

/// The residency an account already has, against the document it presents now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviousVerification {
    /// Not a resident yet.
    None,
    /// A resident through the same document (verifying again, e.g. after moving house).
    SameDocument,
    /// A resident through another document.
    OtherDocument,
}

impl PreviousVerification {
    /// An account keeps the document it verified with: switching would free the first document
    /// for a second account, and with it a second vote.
    pub fn check(self) -> Result<(), DomainError> {
        match self {
            PreviousVerification::OtherDocument => Err(DomainError::AlreadyVerified),
            PreviousVerification::None | PreviousVerification::SameDocument => Ok(()),
        }
    }
}

/// Who, if anyone, the document of a verification attempt already verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentHolder<AccountId> {
    /// Nobody: the document is free.
    Nobody,
    /// The account making the attempt (verifying again, e.g. after moving house).
    ThisAccount,
    /// An account that was deleted: the new account takes its place (and, later, its votes).
    DeletedAccount(AccountId),
    /// Another live account: refused.
    OtherLiveAccount,
}

/// What a successful verification does (the scope and birth date come from the census record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<AccountId> {
    /// The deleted account whose residency (and participation) this account takes over.
    pub takes_over: Option<AccountId>,
}

/// Why a verification was refused, and whether it counts towards the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error: DomainError,
    /// Only a failed census match counts: a real resident who is too young, or whose document is
    /// taken, is not guessing.
    pub counts_as_failure: bool,
}

/// Decides a verification attempt of a participant who claimed `claimed_birth_date`, given the
/// birth date the census records for their document (`None`: the document is not in the census),
/// who already holds that document, the organization's minimum age and today's date.
pub fn decide_verification<AccountId: Copy>(
    claimed_birth_date: Date,
    census_birth_date: Option<Date>,
    holder: DocumentHolder<AccountId>,
    minimum_age: u8,
    today: Date,
) -> Result<Verified<AccountId>, Refusal> {
    let birth_date = match census_birth_date {
        Some(recorded) if recorded == claimed_birth_date => recorded,
        _ => {
            return Err(Refusal {
                error: DomainError::CensusNoMatch,
                counts_as_failure: true,
            });
        }
    };
    if birth_date.age_on(today) < i32::from(minimum_age) {
        return Err(Refusal {
            error: DomainError::UnderMinimumAge { minimum_age },
            counts_as_failure: false,
        });
    }
    let takes_over = match holder {
        DocumentHolder::Nobody | DocumentHolder::ThisAccount => None,
        DocumentHolder::DeletedAccount(previous) => Some(previous),
        DocumentHolder::OtherLiveAccount => {
            return Err(Refusal {
                error: DomainError::DocumentAlreadyUsed,
                counts_as_failure: false,
            });
        }
    };
    Ok(Verified { takes_over })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    fn entry(line: usize, document: &str, birth: &str, scope: &str) -> CensusEntry {
        CensusEntry {
            line,
            document: DocumentNumber::parse(document).unwrap(),
            birth_date: date(birth),
            scope_code: scope.into(),
        }
    }

    #[test]
    fn document_numbers_are_normalised() {
        assert_eq!(
            DocumentNumber::parse(" 12.345.678-z ").unwrap().as_str(),
            "12345678Z"
        );
        assert!(DocumentNumber::parse("12").is_none());
        assert!(DocumentNumber::parse("1234 5678 ñ").is_none());
    }

    #[test]
    fn a_census_file_is_parsed_in_any_column_order() {
        let csv = "\u{feff}scope_code;document_number;birth_date\r\nGRACIA;12345678Z;1990-04-01\r\n\"SANTS\";\"X1234567L\";2001-12-31\r\n";
        let entries = parse_census_csv(csv).unwrap();
        assert_eq!(
            entries,
            vec![
                entry(2, "12345678Z", "1990-04-01", "GRACIA"),
                entry(3, "X1234567L", "2001-12-31", "SANTS")
            ]
        );
    }

    #[test]
    fn a_broken_census_file_is_refused_whole_with_every_line_named() {
        let csv = "document_number,birth_date,scope_code\n12345678Z,1990-04-01,GRACIA\n1,1990-02-30,\n12345678z,1990-01-01,SANTS\n";
        let errors = parse_census_csv(csv).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, "invalid_document_number"),
                (3, "invalid_birth_date"),
                (3, "missing_scope_code"),
                (4, "duplicate_document_number")
            ]
        );
    }

    #[test]
    fn quoted_fields_may_hold_line_breaks_separators_and_quotes() {
        // A `notes` column before the census columns: a quoted note read wrong would shift them.
        let csv = "notes;document_number;birth_date;scope_code\r\n\
                   \"Carrer Gran 5\r\nsecond floor\";12345678Z;1990-04-01;GRACIA\r\n\
                   \"Flat 2; the \"\"blue\"\" door\";X1234567L;2001-12-31;SANTS\r\n\
                   \r\n\
                   \"one\ntwo\nthree\";Y7654321K;1985-06-15;GRACIA\n\
                   ;Z1111111A;2000-01-01;SANTS\n";
        assert_eq!(
            parse_census_csv(csv).unwrap(),
            vec![
                entry(2, "12345678Z", "1990-04-01", "GRACIA"),
                entry(4, "X1234567L", "2001-12-31", "SANTS"),
                entry(6, "Y7654321K", "1985-06-15", "GRACIA"),
                entry(9, "Z1111111A", "2000-01-01", "SANTS"),
            ]
        );
        // After records spanning lines, problems are named on the lines a person sees.
        let broken = csv.replace(";Z1111111A;2000-01-01;", ";Y7654321K;2000-02-30;");
        let errors = parse_census_csv(&broken).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(found, vec![(9, "invalid_birth_date")]);
        let duplicate = csv.replace(";Z1111111A;", ";Y7654321K;");
        let errors = parse_census_csv(&duplicate).unwrap_err();
        assert_eq!(
            (
                errors[0].line,
                errors[0].code.as_str(),
                errors[0].message.as_str()
            ),
            (
                9,
                "duplicate_document_number",
                "The same document number is already on line 6."
            )
        );
    }

    #[test]
    fn a_quote_never_closed_refuses_the_file() {
        // Read as written, the note would swallow the next resident.
        let csv = "document_number,birth_date,scope_code,notes\n\
                   12345678Z,1990-04-01,GRACIA,\"never closed\n\
                   X1234567L,2001-12-31,SANTS,\n";
        let errors = parse_census_csv(csv).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(found, vec![(2, "unclosed_quote")]);
        // A stray quote inside an unquoted field is only a character.
        let stray =
            "document_number,birth_date,scope_code,notes\n12345678Z,1990-04-01,GRACIA,5\" screen\n";
        assert_eq!(parse_census_csv(stray).unwrap().len(), 1);
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        let csv = "\r\n  \r\ndocument_number,birth_date,scope_code\r\n\r\n   \r\n12345678Z,1990-04-01,GRACIA\r\n\r\n";
        assert_eq!(
            parse_census_csv(csv).unwrap(),
            vec![entry(6, "12345678Z", "1990-04-01", "GRACIA")]
        );
        assert_eq!(
            parse_census_csv(" \n\r\n").unwrap_err()[0].code,
            "empty_file"
        );
    }

    #[test]
    fn a_census_file_needs_its_columns() {
        let errors = parse_census_csv("dni,born\n1,2\n").unwrap_err();
        assert_eq!(errors[0].code, "invalid_header");
        assert_eq!(parse_census_csv("").unwrap_err()[0].code, "empty_file");
    }

    #[test]
    fn a_matching_adult_resident_is_verified() {
        let census = entry(2, "12345678Z", "1990-04-01", "GRACIA");
        let verified = decide_verification::<u32>(
            date("1990-04-01"),
            Some(census.birth_date),
            DocumentHolder::Nobody,
            16,
            date("2026-11-26"),
        )
        .unwrap();
        assert_eq!(verified, Verified { takes_over: None });
    }

    #[test]
    fn a_wrong_birth_date_or_unknown_document_is_a_failed_attempt() {
        let census = entry(2, "12345678Z", "1990-04-01", "GRACIA");
        for found in [Some(census.birth_date), None] {
            let refusal = decide_verification::<u32>(
                date("1990-04-02"),
                found,
                DocumentHolder::Nobody,
                16,
                date("2026-11-26"),
            )
            .unwrap_err();
            assert_eq!(
                refusal,
                Refusal {
                    error: DomainError::CensusNoMatch,
                    counts_as_failure: true
                }
            );
        }
    }

    #[test]
    fn residents_under_the_minimum_age_are_refused_until_their_birthday() {
        let census = entry(2, "12345678Z", "2010-11-27", "GRACIA");
        let refusal = decide_verification::<u32>(
            date("2010-11-27"),
            Some(census.birth_date),
            DocumentHolder::Nobody,
            16,
            date("2026-11-26"),
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            Refusal {
                error: DomainError::UnderMinimumAge { minimum_age: 16 },
                counts_as_failure: false
            }
        );
        assert!(
            decide_verification::<u32>(
                date("2010-11-27"),
                Some(census.birth_date),
                DocumentHolder::Nobody,
                16,
                date("2026-11-27")
            )
            .is_ok()
        );
    }

    #[test]
    fn a_document_verifies_one_live_account() {
        let census = entry(2, "12345678Z", "1990-04-01", "GRACIA");
        let refusal = decide_verification::<u32>(
            date("1990-04-01"),
            Some(census.birth_date),
            DocumentHolder::OtherLiveAccount,
            16,
            date("2026-11-26"),
        )
        .unwrap_err();
        assert_eq!(refusal.error, DomainError::DocumentAlreadyUsed);
        let again = decide_verification::<u32>(
            date("1990-04-01"),
            Some(census.birth_date),
            DocumentHolder::ThisAccount,
            16,
            date("2026-11-26"),
        )
        .unwrap();
        assert_eq!(again.takes_over, None);
    }

    #[test]
    fn a_new_account_takes_over_a_deleted_account_with_the_same_document() {
        let census = entry(2, "12345678Z", "1990-04-01", "GRACIA");
        let verified = decide_verification(
            date("1990-04-01"),
            Some(census.birth_date),
            DocumentHolder::DeletedAccount(7_u32),
            16,
            date("2026-11-26"),
        )
        .unwrap();
        assert_eq!(verified.takes_over, Some(7));
    }

    #[test]
    fn an_account_keeps_the_document_it_verified_with() {
        assert_eq!(
            PreviousVerification::OtherDocument.check(),
            Err(DomainError::AlreadyVerified)
        );
        assert_eq!(PreviousVerification::SameDocument.check(), Ok(()));
        assert_eq!(PreviousVerification::None.check(), Ok(()));
    }

    #[test]
    fn a_document_locks_after_ten_failures_from_any_accounts() {
        let now = Timestamp(0);
        let lock = (0..9).fold(VerificationLock::default(), |lock, _| {
            lock.after_document_failure(now)
        });
        assert_eq!(lock.check(now), Ok(()));
        let lock = lock.after_document_failure(now);
        assert_eq!(
            lock.check(now),
            Err(DomainError::VerificationLocked {
                retry_after_seconds: 60
            })
        );
    }

    #[test]
    fn five_failures_lock_verification_with_a_growing_delay() {
        let now = Timestamp(1_000_000);
        let mut lock = VerificationLock::default();
        for _ in 0..4 {
            lock = lock.after_failure(now);
            assert_eq!(lock.check(now), Ok(()));
        }
        lock = lock.after_failure(now);
        assert_eq!(
            lock.check(now),
            Err(DomainError::VerificationLocked {
                retry_after_seconds: 60
            })
        );
        assert_eq!(lock.check(now.plus_seconds(60)), Ok(()));
        lock = lock.after_failure(now.plus_seconds(60));
        assert_eq!(
            lock.check(now.plus_seconds(60)),
            Err(DomainError::VerificationLocked {
                retry_after_seconds: 120
            })
        );
        for _ in 0..30 {
            lock = lock.after_failure(now);
        }
        assert_eq!(lock.locked_until, Some(now.plus_seconds(MAX_LOCK_SECONDS)));
    }

    #[test]
    fn failures_are_forgiven_one_an_hour_once_nobody_fails_and_no_lock_runs() {
        let start = Timestamp(1_000_000);
        let mut lock = VerificationLock::default();
        for _ in 0..12 {
            lock = lock.after_document_failure(start);
        }
        let until = lock.locked_until.unwrap();
        // Nothing is forgiven while the lock runs, nor right after it.
        assert_eq!(lock.decayed(until).failures, 12);
        assert!(lock.after_document_failure(until).check(until).is_err());
        // Five quiet hours after the lock forgive five failures: one more is not yet a lock...
        let later = until.plus_seconds(5 * FAILURE_FORGIVEN_EVERY_SECONDS);
        assert_eq!(lock.decayed(later).failures, 7);
        let again = lock.after_document_failure(later);
        assert_eq!((again.failures, again.check(later)), (8, Ok(())));
        // ... and a quiet day forgets them all.
        let next_day = until.plus_seconds(MAX_LOCK_SECONDS);
        assert_eq!(lock.decayed(next_day).failures, 0);
        // An account's own counter decays the same way.
        let mut own = VerificationLock::default();
        for _ in 0..4 {
            own = own.after_failure(start);
        }
        let tomorrow = start.plus_seconds(MAX_LOCK_SECONDS);
        assert_eq!(own.after_failure(tomorrow).failures, 1);
    }
}
