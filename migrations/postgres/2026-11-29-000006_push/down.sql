DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE event_recipients;
