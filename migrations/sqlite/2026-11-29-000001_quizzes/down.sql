DROP TABLE mistakes;
DROP TABLE attempt_items;
DROP TABLE attempts;
DROP TABLE quizzes;
DROP TABLE question_audiences;
DROP TABLE question_tags;
DROP TABLE questions;
