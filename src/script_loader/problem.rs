//! A problem at a place inside one fixture document (e.g. `steps[1].pattern`), shared by
//! the parts of the fixture format.

/// A problem at a place inside one fixture document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: String,
    pub problem: String,
}

pub(crate) fn problem(place: impl Into<String>, problem: impl Into<String>) -> Problem {
    Problem {
        place: place.into(),
        problem: problem.into(),
    }
}
