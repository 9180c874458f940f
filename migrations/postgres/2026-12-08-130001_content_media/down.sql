DROP TABLE content_media;
