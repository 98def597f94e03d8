//! The actions a person may take on a report now, asked of [`decide`] one by one: what a
//! frontend shows as buttons, so that no client re-implements the rules.

use super::{Action, Facts, ReportStatus, Standing, decide};

/// The actions `who` may take on a report in `status` with these `facts`, in
/// [`Action::ALL`] order. Only what people do (never `submit` or the system's
/// `auto_confirm`); a transfer's or an escalation's target and an action's text are checked
/// when the action is taken, so an action listed here can still be refused for its input.
pub fn available(status: ReportStatus, who: &Standing, facts: &Facts) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| !matches!(a, Action::Submit | Action::AutoConfirm))
        .filter(|a| decide(status, *a, who, facts).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn person(role: Role) -> Standing {
        Standing {
            can_see: true,
            ..Standing::person(role)
        }
    }

    #[test]
    fn a_handler_of_an_assigned_report_may_accept_it_and_not_rate_it() {
        let who = Standing {
            in_responsible_unit: true,
            ..person(Role::GridWorker)
        };
        let actions = available(ReportStatus::Assigned, &who, &Facts::default());
        assert!(actions.contains(&Action::Accept), "{actions:?}");
        assert!(actions.contains(&Action::Comment), "{actions:?}");
        assert!(!actions.contains(&Action::Resolve), "{actions:?}");
        assert!(!actions.contains(&Action::Rate), "{actions:?}");
        assert!(!actions.contains(&Action::ScheduleSession), "{actions:?}");
    }

    #[test]
    fn the_reporter_of_a_resolved_report_may_confirm_rate_or_reopen_only() {
        let who = Standing {
            is_reporter: true,
            ..person(Role::Villager)
        };
        let mut actions = available(ReportStatus::Resolved, &who, &Facts::default());
        actions.retain(|a| !matches!(a, Action::Comment | Action::Follow));
        assert_eq!(actions, [Action::Confirm, Action::Rate, Action::Reopen]);
    }
}
