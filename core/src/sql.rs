//! How the domain's vocabulary is stored (feature `diesel`): each enum below is a text column
//! holding its snake_case name, read back through its `parse`; an unknown name is an error of
//! the row, never a panic. Both databases use the same text, so SQL stays portable and no
//! status or kind literal appears in storage's queries.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::category::Workflow;
use crate::event::EventKind;
use crate::lifecycle::ReportStatus;
use crate::mediation::{MediationOutcome, PartyRole, Referral};
use crate::org_event::OrgEventKind;
use crate::patrol::{Frequency, MarkResult};
use crate::push::{DeliveryChannel, DeliveryStatus, Reason};
use crate::region::RegionLevel;
use crate::report::{Channel, LocationSource};
use crate::supervision::OrderStatus;
use crate::unit::UnitKind;
use crate::{Role, UserStatus};

/// Writes `name` as the text value of a column.
fn write_name<'b, DB>(name: &'static str, out: &mut Output<'b, '_, DB>) -> serialize::Result
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    <str as ToSql<Text, DB>>::to_sql(name, out)
}

/// Reads a text value and parses it with `parse`, naming `what` when it is unknown.
fn read_name<T, DB>(
    bytes: DB::RawValue<'_>,
    what: &str,
    parse: fn(&str) -> Option<T>,
) -> deserialize::Result<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    let name = <String as FromSql<Text, DB>>::from_sql(bytes)?;
    parse(&name).ok_or_else(|| format!("unknown {what} {name:?}").into())
}

/// Implements `ToSql<Text>`/`FromSql<Text>` on every backend for a vocabulary enum with
/// `as_str(self) -> &'static str` and `parse(&str) -> Option<Self>`.
macro_rules! text_column {
    ($ty:ty, $what:literal) => {
        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                write_name(self.as_str(), out)
            }
        }

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                read_name::<Self, DB>(bytes, $what, <$ty>::parse)
            }
        }
    };
}

text_column!(ReportStatus, "report status");
text_column!(EventKind, "event kind");
text_column!(Channel, "report channel");
text_column!(LocationSource, "location source");
text_column!(RegionLevel, "region level");
text_column!(UnitKind, "unit kind");
text_column!(Role, "role");
text_column!(UserStatus, "user status");
text_column!(DeliveryChannel, "delivery channel");
text_column!(Reason, "feed reason");
text_column!(DeliveryStatus, "delivery status");
text_column!(OrderStatus, "supervision order status");
text_column!(Workflow, "category workflow");
text_column!(PartyRole, "party role");
text_column!(MediationOutcome, "mediation outcome");
text_column!(Referral, "mediation referral");
text_column!(Frequency, "patrol frequency");
text_column!(MarkResult, "patrol mark result");
text_column!(OrgEventKind, "organisation event kind");
