-- 0014: the team's keyword exceptions (issue 15): contexts in which a word of a list is
-- not a hit — a false positive an operator marked (`shequn keywords except WORD CONTEXT`,
-- or from an incident), e.g. 刷单 in 刷单词. The shipped lists carry their own
-- exceptions in their files (`word !context`); these are the team's, on top, in the
-- database they share, so every console and import matches alike. `category` and `word`
-- name the listed word (or a variant's canonical spelling, 微信 for 薇信) as a hit
-- reports it; `context` must contain the word (checked by shequn). Every change is
-- audited (entity 'keyword') and moves the 'settings' change signal.
CREATE TABLE keyword_exceptions (
    category TEXT NOT NULL,
    word     TEXT NOT NULL,
    context  TEXT NOT NULL,
    set_by   TEXT NOT NULL,
    set_at   INTEGER NOT NULL,
    PRIMARY KEY (category, word, context)
);
