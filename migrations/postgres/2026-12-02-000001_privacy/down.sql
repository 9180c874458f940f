DROP INDEX events_received;
DROP TABLE username_holds;
