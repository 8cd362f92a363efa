//! A list the operator scrolls through: rows, a filter, the selection and the scroll
//! offset. Generic over the row type so every tab scrolls, filters and keeps its
//! selection across reloads the same way.

/// What a table needs from its rows.
pub trait Row {
    /// Stable identity, so the selection survives a reload.
    fn key(&self) -> i64;
    /// Text the `/` filter searches (with the member search's rules, see `refilter`).
    fn haystack(&self) -> String;
    /// Whether the cursor may rest on it: a divider row (the Today tab's "now") is
    /// shown among the rows but passed over by every move.
    fn selectable(&self) -> bool {
        true
    }
}

/// A scroll or filter command, the same for every table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableCmd {
    Move(isize),
    Top,
    Bottom,
    Filter(String),
}

#[derive(Debug, Clone)]
pub struct Table<R> {
    pub rows: Vec<R>,
    /// Indices into `rows` of those matching the filter.
    pub visible: Vec<usize>,
    pub filter: String,
    /// Index into `visible`.
    pub selected: usize,
    /// First visible row drawn.
    pub offset: usize,
    pub loaded: bool,
    /// Data changed since this table was loaded.
    pub stale: bool,
}

impl<R> Default for Table<R> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            visible: Vec::new(),
            filter: String::new(),
            selected: 0,
            offset: 0,
            loaded: false,
            stale: false,
        }
    }
}

impl<R: Row> Table<R> {
    /// Replace the rows, keeping the selected row selected when it still exists.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        let keep = self.current().map(Row::key);
        self.rows = rows;
        self.loaded = true;
        self.stale = false;
        self.refilter();
        if let Some(k) = keep
            && let Some(pos) = self.visible.iter().position(|&i| self.rows[i].key() == k)
        {
            self.selected = pos;
        }
        self.clamp();
        self.snap(1);
    }

    /// Select the row with this key, if it is shown; `height` is the window's.
    pub fn select_key(&mut self, key: i64, height: usize) -> bool {
        let Some(pos) = self.visible.iter().position(|&i| self.rows[i].key() == key) else {
            return false;
        };
        self.selected = pos;
        self.offset = self.view_offset(height);
        true
    }

    /// The rows shown that are rows (dividers are not counted).
    pub fn count(&self) -> usize {
        self.visible
            .iter()
            .filter(|&&i| self.rows[i].selectable())
            .count()
    }

    /// Move the selection off a divider: towards `dir` (1 down, -1 up), else the other
    /// way.
    fn snap(&mut self, dir: isize) {
        let ok = |t: &Self, pos: usize| t.visible.get(pos).is_some_and(|&i| t.rows[i].selectable());
        if self.visible.is_empty() || ok(self, self.selected) {
            return;
        }
        let len = self.visible.len() as isize;
        for d in [dir, -dir] {
            let mut p = self.selected as isize + d;
            while (0..len).contains(&p) {
                if ok(self, p as usize) {
                    self.selected = p as usize;
                    return;
                }
                p += d;
            }
        }
    }

    /// Show exactly these rows (indices into `rows`, in this order): for tables whose
    /// filtering is done outside (the Members tab's search). Keeps the selection when
    /// its row is still shown.
    pub fn set_visible(&mut self, visible: Vec<usize>) {
        let keep = self.current().map(Row::key);
        self.visible = visible;
        self.selected = 0;
        if let Some(k) = keep
            && let Some(pos) = self.visible.iter().position(|&i| self.rows[i].key() == k)
        {
            self.selected = pos;
        }
        self.clamp();
        self.snap(1);
    }

    /// Run a command; `page` is how many rows fit on screen.
    pub fn apply(&mut self, cmd: TableCmd, page: usize) {
        match cmd {
            TableCmd::Move(d) => self.move_by(d, page),
            TableCmd::Top => self.top(),
            TableCmd::Bottom => self.bottom(page),
            TableCmd::Filter(f) => self.set_filter(&f),
        }
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_string();
        self.refilter();
        self.selected = 0;
        self.offset = 0;
        self.snap(1);
    }

    /// The rows a `/` filter keeps, in their order: the member search's rules over each
    /// row's text (`hz` finds 杭州, `zaoan` 早安问候; latin and Chinese text as typed;
    /// every word must match), so every tab's `/` means what the Members one means.
    fn refilter(&mut self) {
        let matcher = crate::search::Matcher::new(&self.filter);
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matcher.is_empty() || matcher.score([r.haystack()]).is_some())
            .map(|(i, _)| i)
            .collect();
    }

    pub fn current(&self) -> Option<&R> {
        self.visible
            .get(self.selected)
            .map(|&i| &self.rows[i])
            .filter(|r| r.selectable())
    }

    /// The rows in view: (index into `visible`, row).
    pub fn window(&self, height: usize) -> impl Iterator<Item = (usize, &R)> {
        let offset = self.view_offset(height);
        self.visible
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(pos, &i)| (pos, &self.rows[i]))
    }

    /// The offset to draw from: the stored one, corrected if the selection would be out
    /// of view (the window may have shrunk since the last move).
    pub fn view_offset(&self, height: usize) -> usize {
        let h = height.max(1);
        if self.selected < self.offset {
            self.selected
        } else if self.selected >= self.offset + h {
            self.selected + 1 - h
        } else {
            self.offset
        }
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        let len = self.visible.len();
        if len == 0 {
            return;
        }
        let next = self.selected.saturating_add_signed(delta).min(len - 1);
        let before = self.selected;
        self.selected = next;
        self.snap(if delta < 0 { -1 } else { 1 });
        // a move that could only land on a divider stays where it was
        if !self
            .visible
            .get(self.selected)
            .is_some_and(|&i| self.rows[i].selectable())
        {
            self.selected = before;
        }
        self.offset = self.view_offset(height);
    }

    pub fn top(&mut self) {
        self.selected = 0;
        self.offset = 0;
        self.snap(1);
    }

    pub fn bottom(&mut self, height: usize) {
        self.selected = self.visible.len().saturating_sub(1);
        self.snap(-1);
        self.offset = self.view_offset(height);
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct R(i64, &'static str);
    impl Row for R {
        fn key(&self) -> i64 {
            self.0
        }
        fn haystack(&self) -> String {
            self.1.to_string()
        }
    }

    fn rows() -> Vec<R> {
        vec![
            R(1, "张三 宝妈群"),
            R(2, "李四 Python"),
            R(3, "张伟 Python"),
            R(4, "Amy 宝妈群"),
        ]
    }

    #[test]
    fn selection_follows_its_row_across_reloads() {
        let mut t = Table::default();
        t.set_rows(rows());
        t.move_by(2, 10);
        assert_eq!(t.current().unwrap().0, 3);
        let mut r = rows();
        r.remove(0);
        t.set_rows(r);
        assert_eq!(t.current().unwrap().0, 3);
    }

    #[test]
    fn filter_matches_all_words_case_insensitively() {
        let mut t = Table::default();
        t.set_rows(rows());
        t.set_filter("python 张");
        assert_eq!(t.visible.len(), 1);
        t.set_filter("amy");
        assert_eq!(t.current().unwrap().0, 4);
        t.set_filter("nobody");
        assert!(t.current().is_none());
        t.move_by(1, 5); // no panic on an empty view
    }

    /// Every tab's `/` takes pinyin and initials like the Members search, and keeps the
    /// rows in their order.
    #[test]
    fn filter_takes_pinyin_and_initials() {
        let mut t = Table::default();
        t.set_rows(rows());
        t.set_filter("bmq");
        assert_eq!(t.visible, vec![0, 3]);
        t.set_filter("zhang");
        assert_eq!(t.visible, vec![0, 2]);
        t.set_filter("zhang py");
        assert_eq!(t.visible, vec![2]);
        // aligned to syllables: no letters picked across them
        t.set_filter("zhasan");
        assert!(t.visible.is_empty());
    }

    #[test]
    fn offset_keeps_the_selection_in_view() {
        let mut t = Table::default();
        t.set_rows((0..100).map(|i| R(i, "x")).collect());
        t.move_by(15, 10);
        assert_eq!(t.offset, 6);
        t.bottom(10);
        assert_eq!((t.selected, t.offset), (99, 90));
        // the window shrank: drawing still shows the selection
        assert_eq!(t.view_offset(3), 97);
        t.top();
        assert_eq!(
            t.window(3).map(|(p, _)| p).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
    }
}
