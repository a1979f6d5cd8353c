//! The drawing toolkit every figure shares: the bundled fonts, sizes and palette, text, the
//! header, the legend with its swatches and markers, and the phrases of titles and legends.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::format::format_fixed;
use crate::report::schema::SummaryRow;

use super::read::{PlotError, Tables};

pub(super) fn register_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let fonts: [(FontStyle, &'static [u8]); 2] = [
                (
                    FontStyle::Normal,
                    include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
                ),
                (
                    FontStyle::Bold,
                    include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
                ),
            ];
            for (style, bytes) in fonts {
                plotters::style::register_font(FONT, style, bytes)
                    .map_err(|_| "not a valid TrueType font".to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(|message| PlotError::Font { message })
}

/// Drawing errors are carried as text: the backends' error types differ.
pub(super) type DrawResult<T = ()> = Result<T, String>;

pub(super) fn de<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

const FONT: &str = "sans-serif";
const TITLE_PX: f64 = 34.0;
const SUBTITLE_PX: f64 = 21.0;
pub(super) const LABEL_PX: f64 = 20.0;
pub(super) const DESC_PX: f64 = 22.0;
pub(super) const NOTE_PX: f64 = 18.0;
/// Outer margin of every figure, in pixels.
pub(super) const MARGIN: i32 = 30;
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const INK: RGBColor = RGBColor(20, 20, 20);
pub(super) const MUTED: RGBColor = RGBColor(90, 90, 90);

/// Okabe–Ito, reordered so the first colours have the most contrast on white (yellow last).
pub(super) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

pub(super) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Series beyond the palette's length are told apart by dashes as well as colour.
pub(super) fn dashed(i: usize) -> bool {
    (i / PALETTE.len()) % 2 == 1
}

pub(super) fn text_style(px: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, px).into_font().color(&color)
}

pub(super) fn bold_style(px: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, px, FontStyle::Bold).into_font().color(&color)
}

pub(super) fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> DrawResult<i32> {
    Ok(root.estimate_text_size(text, style).map_err(de)?.0 as i32)
}

/// Draws `text` at pixel `at`, anchored by `h`/`v`.
pub(super) fn put_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    style: &TextStyle,
    h: HPos,
    v: VPos,
) -> DrawResult {
    let style = style.pos(Pos::new(h, v));
    root.draw(&Text::new(text.to_string(), at, style))
        .map_err(de)
}

/// Draws the title and subtitle and returns the area below them.
pub(super) fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult<DrawingArea<DB, Shift>> {
    put_text(
        root,
        title,
        (MARGIN, 22),
        &bold_style(TITLE_PX, INK),
        HPos::Left,
        VPos::Top,
    )?;
    put_text(
        root,
        subtitle,
        (MARGIN, 66),
        &text_style(SUBTITLE_PX, MUTED),
        HPos::Left,
        VPos::Top,
    )?;
    Ok(root.split_vertically(104).1)
}

/// How a legend entry shows its series.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    /// A line in a colour, dashed or solid.
    Line(RGBColor, bool),
    /// A filled box.
    Fill(RGBColor),
    /// A thin black bar (damage).
    ThinBar,
    /// A marker in black outline or filled.
    Mark(Marker, RGBColor, bool),
    /// A box-and-whisker glyph.
    BoxPlot,
    /// A horizontal confidence-interval line with caps.
    Interval,
    /// Nothing: the entry is a note in the legend's text.
    Note,
}

#[derive(Clone, Copy)]
pub(super) enum Marker {
    Circle,
    Triangle,
    Cross,
}

pub(super) struct LegendItem {
    label: String,
    swatch: Swatch,
}

/// A legend of one line per strategy, in its colour and line style (scenario order).
pub(super) fn strategy_legend(names: &[String]) -> Vec<LegendItem> {
    names
        .iter()
        .enumerate()
        .map(|(i, s)| item(s, Swatch::Line(colour(i), dashed(i))))
        .collect()
}

pub(super) fn item(label: impl Into<String>, swatch: Swatch) -> LegendItem {
    LegendItem {
        label: label.into(),
        swatch,
    }
}

const SWATCH_W: i32 = 40;
const LEGEND_ROW: i32 = 34;

/// Lays legend entries out left to right, wrapping at `width`: rows of (item index, x offset).
fn legend_rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
    width: i32,
) -> DrawResult<Vec<Vec<(usize, i32)>>> {
    let style = text_style(LABEL_PX, INK);
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut x = 0;
    for (i, it) in items.iter().enumerate() {
        let w = SWATCH_W + 10 + text_width(root, &it.label, &style)?;
        if x > 0 && x + w > width {
            rows.push(Vec::new());
            x = 0;
        }
        rows.last_mut().expect("one row at least").push((i, x));
        x += w + 36;
    }
    Ok(rows)
}

/// Height in pixels the legend needs across the figure's width.
fn legend_height<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> DrawResult<i32> {
    let width = root.dim_in_pixel().0 as i32 - 2 * MARGIN;
    Ok(legend_rows(root, items, width)?.len() as i32 * LEGEND_ROW + 24)
}

/// Splits the legend off the bottom of `area`, draws it there and returns the area above.
pub(super) fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> DrawResult<DrawingArea<DB, Shift>> {
    let height = legend_height(root, items)?;
    let (w, h) = area.dim_in_pixel();
    let (above, _) = area.split_vertically(h as i32 - height);
    let top = area.get_base_pixel().1 + h as i32 - height + 12;
    let rows = legend_rows(root, items, w as i32 - 2 * MARGIN)?;
    let style = text_style(LABEL_PX, INK);
    for (r, row) in rows.iter().enumerate() {
        let y = top + r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        for &(i, dx) in row {
            let x = MARGIN + dx;
            draw_swatch(root, items[i].swatch, (x, y))?;
            put_text(
                root,
                &items[i].label,
                (x + SWATCH_W + 10, y),
                &style,
                HPos::Left,
                VPos::Center,
            )?;
        }
    }
    Ok(above)
}

fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> DrawResult {
    let x1 = x + SWATCH_W;
    match swatch {
        Swatch::Line(c, dash) => {
            let pts = [(x, y), (x1, y)];
            if dash {
                root.draw(&DashedPathElement::new(pts, 8, 5, c.stroke_width(3)))
            } else {
                root.draw(&PathElement::new(pts, c.stroke_width(3)))
            }
            .map_err(de)
        }
        Swatch::Fill(c) => {
            root.draw(&Rectangle::new([(x, y - 10), (x1, y + 10)], c.filled()))
                .map_err(de)?;
            root.draw(&Rectangle::new(
                [(x, y - 10), (x1, y + 10)],
                INK.stroke_width(1),
            ))
            .map_err(de)
        }
        Swatch::ThinBar => root
            .draw(&Rectangle::new([(x, y - 4), (x1, y + 4)], INK.filled()))
            .map_err(de),
        Swatch::Mark(m, c, filled) => draw_marker(root, m, (x + SWATCH_W / 2, y), c, filled),
        Swatch::BoxPlot => {
            root.draw(&PathElement::new([(x, y), (x1, y)], INK.stroke_width(2)))
                .map_err(de)?;
            let b = [(x + 10, y - 10), (x1 - 10, y + 10)];
            root.draw(&Rectangle::new(b, RGBColor(200, 200, 200).filled()))
                .map_err(de)?;
            root.draw(&Rectangle::new(b, INK.stroke_width(2)))
                .map_err(de)?;
            root.draw(&PathElement::new(
                [(x + 22, y - 10), (x + 22, y + 10)],
                INK.stroke_width(3),
            ))
            .map_err(de)
        }
        Swatch::Note => Ok(()),
        Swatch::Interval => {
            root.draw(&PathElement::new([(x, y), (x1, y)], INK.stroke_width(2)))
                .map_err(de)?;
            for cx in [x, x1] {
                root.draw(&PathElement::new(
                    [(cx, y - 8), (cx, y + 8)],
                    INK.stroke_width(2),
                ))
                .map_err(de)?;
            }
            Ok(())
        }
    }
}

/// Draws a marker centred on pixel `at`: filled in `c` with a dark outline, or hollow.
pub(super) fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    marker: Marker,
    at: (i32, i32),
    c: RGBColor,
    filled: bool,
) -> DrawResult {
    let outline = INK.stroke_width(2);
    match marker {
        Marker::Circle => {
            let fill = if filled { c.filled() } else { WHITE.filled() };
            root.draw(&Circle::new(at, 8, fill)).map_err(de)?;
            let ring = if filled { outline } else { c.stroke_width(3) };
            root.draw(&Circle::new(at, 8, ring)).map_err(de)
        }
        Marker::Triangle => {
            let (x, y) = at;
            let pts = vec![(x, y - 10), (x + 9, y + 6), (x - 9, y + 6)];
            let fill = if filled { c.filled() } else { WHITE.filled() };
            root.draw(&Polygon::new(pts.clone(), fill)).map_err(de)?;
            let mut closed = pts.clone();
            closed.push(pts[0]);
            root.draw(&PathElement::new(closed, outline)).map_err(de)
        }
        Marker::Cross => root.draw(&Cross::new(at, 7, c.stroke_width(3))).map_err(de),
    }
}

/// Sample-size phrase for subtitles: "20,000 incidents per strategy".
pub(super) fn sample_phrase(tables: &Tables) -> String {
    let n = tables.run.incidents;
    format!(
        "{} simulated incidents per strategy",
        format_fixed(n as f64, 0)
    )
}

pub(super) fn strategy_label(row: &SummaryRow, baseline: &str) -> String {
    if row.strategy == baseline {
        format!("{} (baseline)", row.strategy)
    } else {
        row.strategy.clone()
    }
}

impl Tables {
    /// "30 simulated years" (or "simulated years" when unknown).
    pub(super) fn periods_phrase(&self) -> String {
        match self.periods() {
            Some(1) => "1 simulated year".to_string(),
            Some(p) => format!("{} simulated years", format_fixed(p as f64, 0)),
            None => "simulated years".to_string(),
        }
    }

    /// Strategies in scenario order with their legend labels; the index is the palette slot.
    pub(super) fn strategy_labels(&self) -> Vec<(String, String)> {
        let baseline = self.baseline().strategy.clone();
        self.summary
            .iter()
            .map(|r| (r.strategy.clone(), strategy_label(r, &baseline)))
            .collect()
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
