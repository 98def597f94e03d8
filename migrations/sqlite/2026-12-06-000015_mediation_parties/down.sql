DROP TABLE mediation_parties;
