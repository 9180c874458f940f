DROP TABLE campaign_quizzes;
DROP TABLE campaign_contents;
DROP TABLE campaigns;
