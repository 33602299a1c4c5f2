-- Down Migration of 0003_game_transitions: the audit of transitions is lost.
DROP TABLE game_transitions;
