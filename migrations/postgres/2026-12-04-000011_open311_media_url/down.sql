DROP TABLE open311_media_urls;
