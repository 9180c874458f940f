-- Staff accounts are few and never rank on learner boards: a partial index lists just
-- them, so a county board's own-rank count and its snapshot leave them out cheaply.
-- (Queries test `role <> 'learner'` literally: a bound parameter could not use it.)
CREATE INDEX users_staff ON users (id) WHERE role <> 'learner';
