-- 0012: reserved for issue 15's migration, which lands beside issue 16's 0013. This
-- placeholder only keeps the numbering whole on the issue-16 branch; the merge replaces
-- it with issue 15's file.
SELECT 1;
