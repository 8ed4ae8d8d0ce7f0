//! Evidence for auditors, built natively by the CLI: the policy rendered as a compliance
//! register ([`register`]) and the audit records summarised per policy digest, project and
//! period ([`report`]), as Markdown, HTML or JSON ([`doc`]) with SVG charts ([`svg`]).

pub mod doc;
pub mod register;
pub mod report;
pub mod svg;
