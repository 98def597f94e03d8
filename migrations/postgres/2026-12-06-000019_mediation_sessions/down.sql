DROP TABLE mediation_conclusions;
DROP TABLE mediation_sessions;
