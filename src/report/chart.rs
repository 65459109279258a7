//! SVG charts for reports: dated line charts (with optional percentile bands and dated markers)
//! and grouped bar charts, drawn with `plotters` into an in-memory SVG string.
//!
//! Charts take `f64` values: they are pictures of exact results, never inputs to accounting.
//! Every chart carries a footnote (source attribution, carbonsim version, seed).

use chrono::{Datelike, NaiveDate};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;

/// One named line of dated values.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    /// Legend label.
    pub name: String,
    /// Points in date order.
    pub points: Vec<(NaiveDate, f64)>,
    /// Drawn as the reference line (thick, grey, underneath) rather than a coloured line.
    pub reference: bool,
}

/// A shaded band between a lower and an upper line (e.g. the 5th-95th percentile of a Monte
/// Carlo study).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesBand {
    /// Legend label.
    pub name: String,
    /// `(date, lower, upper)` in date order.
    pub points: Vec<(NaiveDate, f64, f64)>,
}

/// Axis wording shared by every command's charts.
pub mod axis {
    /// Allowance prices (CEA, the composite).
    pub const ALLOWANCE_PRICE: &str = "allowance close, CNY per tonne";
    /// CCER prices.
    pub const CCER_PRICE: &str = "CCER close, CNY per tonne CO2e";
    /// GEC prices.
    pub const GEC_PRICE: &str = "GEC close, CNY per certificate";
    /// Simulated minus published allowance close.
    pub const PRICE_DIFFERENCE: &str = "simulated − published, CNY per tonne";
    /// Monthly allowance volume.
    pub const MONTHLY_VOLUME: &str = "volume per month, million tonnes";
}

/// One panel of a [`LineChart`]: its own value axis, lines and bands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    /// Y-axis description, with its unit.
    pub y_label: String,
    /// Lines, drawn in order.
    pub series: Vec<TimeSeries>,
    /// Shaded bands, drawn under the lines.
    pub bands: Vec<SeriesBand>,
    /// Values above the cap are drawn at the cap and marked (a red triangle on each clipped day
    /// and a legend entry giving the largest value), so that a long tail does not flatten the
    /// rest of the panel.
    pub y_cap: Option<f64>,
    /// Whether the axis may cross zero (differences) rather than start at or above it.
    pub signed: bool,
}

/// A chart over dates: one or more panels stacked over a shared date axis (one per instrument or
/// measure), with month ticks on month starts, dated markers on every panel and the legend
/// beside the panels, outside the data.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// Small text under the plot: source, version, seed.
    pub footnote: String,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
    /// Vertical dashed markers (deadlines, regime changes), labelled on the top panel.
    pub markers: Vec<(NaiveDate, String)>,
}

/// A grouped bar chart over named categories (e.g. months).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title above the plot.
    pub title: String,
    /// Y-axis description, with its unit.
    pub y_label: String,
    /// Small text under the plot.
    pub footnote: String,
    /// Category labels along the x axis.
    pub categories: Vec<String>,
    /// `(legend label, one value per category)`.
    pub series: Vec<(String, Vec<f64>)>,
}

const WIDTH: u32 = 1100;
/// Width of the legend column right of the panels.
const LEGEND_WIDTH: u32 = 270;
/// Height of a single-panel chart; a chart of several panels gives each this much.
const HEIGHT: u32 = 560;
const PANEL_HEIGHT: u32 = 300;
const CAPTION: u32 = 34;
const FOOT: u32 = 24;
/// Height under the bottom panel for the month labels.
const X_AXIS: u32 = 34;
const PALETTE: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];
const REFERENCE_GREY: RGBColor = RGBColor(150, 150, 150);
const OVERFLOW_RED: RGBColor = RGBColor(200, 0, 0);

fn chart_error(chart: &str, e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        chart: chart.to_owned(),
        message: e.to_string(),
    }
}

/// The smallest and largest finite values, padded by 5 % so lines do not touch the frame; a
/// flat series gets a span of at least 1 around its value.
fn padded_range(values: impl Iterator<Item = f64>, floor_at_zero: bool) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
    let (lo, hi) = if hi - lo < 1e-6 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    };
    let pad = (hi - lo) * 0.05;
    let lo = if floor_at_zero {
        (lo - pad).max(0.0)
    } else {
        lo - pad
    };
    Some((lo, hi + pad))
}

type Svg<'a> = SVGBackend<'a>;
type Area<'a> = DrawingArea<Svg<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<<Svg<'static> as DrawingBackend>::ErrorType>>;

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Key {
    Line(RGBColor, u32),
    Fill(RGBAColor),
    Overflow,
}

/// Draws legend entries top-down in `area` (the column beside the panels, outside the data).
fn draw_legend(area: &Area<'_>, entries: &[(String, Key)]) -> DrawResult {
    let font = ("sans-serif", 13).into_font().color(&BLACK.mix(0.85));
    for (i, (label, key)) in entries.iter().enumerate() {
        let y = 14 + 20 * i as i32;
        match *key {
            Key::Line(c, w) => area.draw(&PathElement::new(
                vec![(8, y), (30, y)],
                c.stroke_width(w.max(2)),
            ))?,
            Key::Fill(c) => area.draw(&Rectangle::new([(8, y - 6), (30, y + 6)], c.filled()))?,
            Key::Overflow => area.draw(&TriangleMarker::new((19, y), 6, OVERFLOW_RED.filled()))?,
        }
        area.draw(&Text::new(label.clone(), (38, y - 7), font.clone()))?;
    }
    Ok(())
}

/// The first day of each month from `first` to `last`.
fn month_starts(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
    while m <= last {
        if m >= first {
            out.push(m);
        }
        m = m
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(last + chrono::Duration::days(1));
    }
    out
}

/// Every how many months a label goes on the axis: at most 12 labels.
fn label_step(months: usize) -> usize {
    [1, 2, 3, 6, 12]
        .into_iter()
        .find(|s| months.div_ceil(*s) <= 12)
        .unwrap_or(12)
}

/// A panel's value range, and its values clipped to the cap.
struct Scale {
    lo: f64,
    hi: f64,
    cap: Option<f64>,
}

impl Scale {
    fn clip(&self, v: f64) -> f64 {
        self.cap.map_or(v, |c| v.min(c))
    }
}

impl Panel {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(
                self.bands
                    .iter()
                    .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])),
            )
    }

    fn scale(&self) -> Option<Scale> {
        let max = self
            .values()
            .filter(|v| v.is_finite())
            .fold(f64::MIN, f64::max);
        let cap = self.y_cap.filter(|c| max > *c);
        let (lo, hi) = padded_range(
            self.values().map(|v| cap.map_or(v, |c| v.min(c))),
            !self.signed,
        )?;
        Some(Scale { lo, hi, cap })
    }

    /// The legend entries of this panel, in drawing order, with the overflow note.
    fn legend(&self) -> Vec<(String, Key)> {
        let mut out: Vec<(String, Key)> = self
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    b.name.clone(),
                    Key::Fill(PALETTE[i % PALETTE.len()].mix(0.25)),
                )
            })
            .collect();
        let mut colour_index = 0;
        for s in &self.series {
            let key = if s.reference {
                Key::Line(REFERENCE_GREY, 4)
            } else {
                colour_index += 1;
                Key::Line(PALETTE[(colour_index - 1) % PALETTE.len()], 2)
            };
            out.push((s.name.clone(), key));
        }
        if let Some(s) = self.scale().filter(|s| s.cap.is_some()) {
            let max = self
                .values()
                .filter(|v| v.is_finite())
                .fold(f64::MIN, f64::max);
            out.push((
                format!(
                    "clipped at {:.0}: values up to {max:.0}",
                    s.cap.unwrap_or(s.hi)
                ),
                Key::Overflow,
            ));
        }
        out
    }
}

/// The date axis shared by a chart's panels.
struct Dates {
    first: NaiveDate,
    last: NaiveDate,
}

impl Dates {
    fn x(&self, d: NaiveDate) -> f64 {
        (d - self.first).num_days() as f64
    }

    fn x_hi(&self) -> f64 {
        self.x(self.last).max(1.0)
    }
}

impl LineChart {
    /// First and last date over every panel.
    fn dates(&self) -> Result<Dates, ReportError> {
        let dates = self.panels.iter().flat_map(|p| {
            p.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .chain(p.bands.iter().flat_map(|b| b.points.iter().map(|p| p.0)))
        });
        let (first, last) = dates
            .fold(None, |acc: Option<(NaiveDate, NaiveDate)>, d| match acc {
                None => Some((d, d)),
                Some((a, b)) => Some((a.min(d), b.max(d))),
            })
            .ok_or_else(|| chart_error(&self.title, "no data points"))?;
        Ok(Dates { first, last })
    }

    /// Renders the chart as an SVG document.
    ///
    /// # Errors
    /// [`ReportError::Chart`] when there is nothing to draw or drawing fails.
    pub fn to_svg(&self) -> Result<String, ReportError> {
        let dates = self.dates()?;
        let scales = self
            .panels
            .iter()
            .map(Panel::scale)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| chart_error(&self.title, "no finite values"))?;
        let n = self.panels.len() as u32;
        let height = if n == 1 {
            HEIGHT
        } else {
            CAPTION + FOOT + X_AXIS + PANEL_HEIGHT * n
        };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
            let err = |e| chart_error(&self.title, e);
            self.draw(&root, &dates, &scales, height).map_err(err)?;
            root.present().map_err(err)?;
        }
        Ok(svg)
    }

    fn draw(&self, root: &Area<'_>, dates: &Dates, scales: &[Scale], height: u32) -> DrawResult {
        root.fill(&WHITE)?;
        root.draw(&Text::new(
            self.title.clone(),
            (16, 8),
            ("sans-serif", 20).into_font(),
        ))?;
        let (body, foot) = root.split_vertically(height - FOOT);
        let (_, body) = body.split_vertically(CAPTION);
        let (plots, legends) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
        let n = self.panels.len();
        let panel_h = (height - FOOT - CAPTION - X_AXIS) / n as u32;
        for (i, (panel, scale)) in self.panels.iter().zip(scales).enumerate() {
            let top = panel_h as i32 * i as i32;
            let bottom = i + 1 == n;
            let h = panel_h as i32 + if bottom { X_AXIS as i32 } else { 0 };
            let area = plots
                .clone()
                .shrink((0, top), (WIDTH - LEGEND_WIDTH, h as u32));
            let legend = legends
                .clone()
                .shrink((0, top + 8), (LEGEND_WIDTH, panel_h));
            self.draw_panel(root, &area, panel, scale, dates, i == 0, bottom)?;
            draw_legend(&legend, &panel.legend())?;
        }
        foot.draw(&Text::new(
            self.footnote.clone(),
            (12, 4),
            ("sans-serif", 12).into_font().color(&BLACK.mix(0.7)),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_panel(
        &self,
        root: &Area<'_>,
        area: &Area<'_>,
        panel: &Panel,
        scale: &Scale,
        dates: &Dates,
        top: bool,
        bottom: bool,
    ) -> DrawResult {
        let x_hi = dates.x_hi();
        let mut chart = ChartBuilder::on(area)
            .margin_top(6)
            .margin_right(12)
            .x_label_area_size(if bottom { X_AXIS } else { 0 })
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..x_hi, scale.lo..scale.hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .y_desc(&panel.y_label)
            .y_label_formatter(&|v| format!("{:.1}", if v.abs() < 1e-9 { 0.0 } else { *v }))
            .x_labels(0)
            .draw()?;
        draw_month_ticks(root, &mut chart, dates, scale, bottom)?;
        if panel.signed && scale.lo < 0.0 && scale.hi > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (x_hi, 0.0)],
                BLACK.mix(0.5).stroke_width(1),
            )))?;
        }
        draw_bands(&mut chart, panel, scale, dates)?;
        self.draw_markers(root, &mut chart, scale, dates, top)?;
        draw_lines(&mut chart, panel, scale, dates)?;
        draw_overflow(&mut chart, panel, scale, dates)
    }

    /// Dashed lines at the markers; on the top panel their labels, each on the first row clear
    /// of the previous label.
    fn draw_markers(
        &self,
        root: &Area<'_>,
        chart: &mut Chart<'_>,
        scale: &Scale,
        dates: &Dates,
        top: bool,
    ) -> DrawResult {
        let font = ("sans-serif", 11).into_font().color(&BLACK.mix(0.75));
        let mut row_ends: Vec<i32> = Vec::new();
        for (date, label) in &self.markers {
            let x = dates.x(*date);
            if !(0.0..=dates.x_hi()).contains(&x) {
                continue;
            }
            let style = BLACK.mix(0.55).stroke_width(1);
            chart.draw_series(DashedLineSeries::new(
                [(x, scale.lo), (x, scale.hi)],
                4,
                4,
                style,
            ))?;
            if !top {
                continue;
            }
            let (px, py) = chart.backend_coord(&(x, scale.hi));
            let right_edge = chart.backend_coord(&(dates.x_hi(), scale.hi)).0;
            let width = 6 * label.chars().count() as i32;
            // Right of the line, or left of it where the label would leave the plot.
            let start = if px + 3 + width > right_edge {
                px - 3 - width
            } else {
                px + 3
            };
            let row = row_ends
                .iter()
                .position(|end| *end < start)
                .unwrap_or(row_ends.len());
            if row == row_ends.len() {
                row_ends.push(0);
            }
            row_ends[row] = start + width + 4;
            root.draw(&Text::new(
                label.clone(),
                (start, py + 2 + 13 * row as i32),
                font.clone(),
            ))?;
        }
        Ok(())
    }
}

/// Light lines on every month start; below the bottom panel, a tick on each and a label
/// (`2021-07`) every few months.
fn draw_month_ticks(
    root: &Area<'_>,
    chart: &mut Chart<'_>,
    dates: &Dates,
    scale: &Scale,
    bottom: bool,
) -> DrawResult {
    let months = month_starts(dates.first, dates.last);
    let step = label_step(months.len());
    let grid = BLACK.mix(0.08).stroke_width(1);
    for (k, m) in months.iter().enumerate() {
        let x = dates.x(*m);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, scale.lo), (x, scale.hi)],
            grid,
        )))?;
        if !bottom {
            continue;
        }
        let (px, py) = chart.backend_coord(&(x, scale.lo));
        root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
        if (m.month() - 1) as usize % step == 0 || (step == 1 && k == 0) {
            let style = ("sans-serif", 12)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top));
            root.draw(&Text::new(
                m.format("%Y-%m").to_string(),
                (px, py + 8),
                style,
            ))?;
        }
    }
    Ok(())
}

type Chart<'a> = ChartContext<'a, Svg<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_bands(chart: &mut Chart<'_>, panel: &Panel, scale: &Scale, dates: &Dates) -> DrawResult {
    for (i, band) in panel.bands.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()].mix(0.25);
        let upper = band.points.iter().map(|p| (dates.x(p.0), scale.clip(p.2)));
        let lower = band
            .points
            .iter()
            .rev()
            .map(|p| (dates.x(p.0), scale.clip(p.1)));
        let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
        chart.draw_series(std::iter::once(Polygon::new(outline, colour.filled())))?;
    }
    Ok(())
}

/// Days without a point after which a line breaks: longer than any exchange holiday (Spring
/// Festival closes it for up to 11 days), so a gap in the data is drawn as one, not as a trend.
const LINE_BREAK_DAYS: i64 = 31;

/// Splits date-ordered `points` where two neighbours are more than [`LINE_BREAK_DAYS`] apart.
fn segments(points: &[(NaiveDate, f64)]) -> impl Iterator<Item = &[(NaiveDate, f64)]> {
    points.chunk_by(|a, b| (b.0 - a.0).num_days() <= LINE_BREAK_DAYS)
}

fn draw_lines(chart: &mut Chart<'_>, panel: &Panel, scale: &Scale, dates: &Dates) -> DrawResult {
    let mut colour_index = 0;
    for s in &panel.series {
        let style = if s.reference {
            REFERENCE_GREY.stroke_width(4)
        } else {
            colour_index += 1;
            PALETTE[(colour_index - 1) % PALETTE.len()].stroke_width(1)
        };
        for segment in segments(&s.points) {
            let points = segment.iter().map(|p| (dates.x(p.0), scale.clip(p.1)));
            chart.draw_series(LineSeries::new(points, style))?;
        }
    }
    Ok(())
}

/// A red line at the cap and a red triangle on each day a value was clipped.
fn draw_overflow(chart: &mut Chart<'_>, panel: &Panel, scale: &Scale, dates: &Dates) -> DrawResult {
    let Some(cap) = scale.cap else {
        return Ok(());
    };
    chart.draw_series(DashedLineSeries::new(
        [(0.0, cap), (dates.x_hi(), cap)],
        6,
        3,
        OVERFLOW_RED.stroke_width(1),
    ))?;
    let mut over: Vec<NaiveDate> = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter(|p| p.1 > cap).map(|p| p.0))
        .chain(
            panel
                .bands
                .iter()
                .flat_map(|b| b.points.iter().filter(|p| p.2 > cap).map(|p| p.0)),
        )
        .collect();
    over.sort_unstable();
    over.dedup();
    chart.draw_series(
        over.into_iter()
            .map(|d| TriangleMarker::new((dates.x(d), cap), 4, OVERFLOW_RED.filled())),
    )?;
    Ok(())
}

impl BarChart {
    /// Renders the chart as an SVG document.
    ///
    /// # Errors
    /// [`ReportError::Chart`] when categories and series lengths disagree, there is nothing to
    /// draw, or drawing fails.
    pub fn to_svg(&self) -> Result<String, ReportError> {
        let n = self.categories.len();
        if n == 0 || self.series.is_empty() {
            return Err(chart_error(&self.title, "no data"));
        }
        if let Some((name, values)) = self.series.iter().find(|(_, v)| v.len() != n) {
            return Err(chart_error(
                &self.title,
                format!(
                    "series {name:?} has {} values for {n} categories",
                    values.len()
                ),
            ));
        }
        let (_, y_hi) = padded_range(
            self.series
                .iter()
                .flat_map(|(_, v)| v.iter().copied())
                .chain([0.0]),
            true,
        )
        .ok_or_else(|| chart_error(&self.title, "no finite values"))?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            let err = |e| chart_error(&self.title, e);
            self.draw(&root, y_hi).map_err(err)?;
            root.present().map_err(err)?;
        }
        Ok(svg)
    }

    fn colour(&self, g: usize) -> RGBColor {
        if g == 0 && self.series.len() > 1 {
            REFERENCE_GREY
        } else {
            PALETTE[(g.saturating_sub(1)) % PALETTE.len()]
        }
    }

    fn draw(&self, root: &Area<'_>, y_hi: f64) -> DrawResult {
        let n = self.categories.len();
        let width = 0.8 / self.series.len() as f64;
        root.fill(&WHITE)?;
        root.draw(&Text::new(
            self.title.clone(),
            (16, 8),
            ("sans-serif", 20).into_font(),
        ))?;
        let (body, foot) = root.split_vertically(HEIGHT - FOOT);
        let (_, body) = body.split_vertically(CAPTION);
        let (plot, legend) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
        let categories = &self.categories;
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(6)
            .margin_right(12)
            .x_label_area_size(48)
            .y_label_area_size(78)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..y_hi)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .disable_x_mesh()
            .y_desc(&self.y_label)
            .x_labels(n.min(60))
            .x_label_formatter(&|x| {
                let i = x.round();
                let step = label_step(categories.len());
                if (x - i).abs() < 1e-6
                    && i >= 0.0
                    && (i as usize) < categories.len()
                    && i as usize % step == 0
                {
                    categories[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .draw()?;
        for (g, (_, values)) in self.series.iter().enumerate() {
            let colour = self.colour(g);
            let offset = -0.4 + width * g as f64;
            chart.draw_series(values.iter().enumerate().map(|(i, v)| {
                let x0 = i as f64 + offset;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.92, *v)], colour.filled())
            }))?;
        }
        let entries: Vec<(String, Key)> = self
            .series
            .iter()
            .enumerate()
            .map(|(g, (name, _))| (name.clone(), Key::Fill(self.colour(g).to_rgba())))
            .collect();
        draw_legend(&legend.shrink((0, 8), (LEGEND_WIDTH, HEIGHT)), &entries)?;
        foot.draw(&Text::new(
            self.footnote.clone(),
            (12, 4),
            ("sans-serif", 12).into_font().color(&BLACK.mix(0.7)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn line_chart_draws_every_series_band_marker_and_footnote() {
        let chart = LineChart {
            title: "CEA close".into(),
            footnote: "Source: Shanghai Environment and Energy Exchange · seed 7".into(),
            panels: vec![
                Panel {
                    y_label: "CNY/t".into(),
                    series: vec![
                        TimeSeries {
                            name: "published".into(),
                            points: vec![(d("2021-07-16"), 51.23), (d("2021-07-19"), 52.30)],
                            reference: true,
                        },
                        TimeSeries {
                            name: "simulated".into(),
                            points: vec![(d("2021-07-16"), 51.0), (d("2021-07-19"), 53.0)],
                            reference: false,
                        },
                    ],
                    bands: vec![SeriesBand {
                        name: "p5-p95".into(),
                        points: vec![
                            (d("2021-07-16"), 50.0, 52.0),
                            (d("2021-08-19"), 51.0, 540.0),
                        ],
                    }],
                    y_cap: Some(100.0),
                    signed: false,
                },
                Panel {
                    y_label: "difference".into(),
                    series: vec![TimeSeries {
                        name: "simulated - published".into(),
                        points: vec![(d("2021-07-16"), -0.5), (d("2021-07-19"), 0.0)],
                        reference: false,
                    }],
                    signed: true,
                    ..Panel::default()
                },
            ],
            markers: vec![(d("2021-07-19"), "deadline".into())],
        };
        let svg = chart.to_svg().unwrap();
        assert!(svg.starts_with("<svg"));
        for text in [
            "CEA close",
            "published",
            "simulated",
            "p5-p95",
            "deadline",
            "seed 7",
            "2021-08",
            "difference",
            "clipped at 100: values up to 540",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
        assert!(svg.contains("<polyline"), "lines are drawn");
        assert!(svg.contains("<polygon"), "band is drawn");
    }

    #[test]
    fn a_month_without_points_breaks_the_line() {
        let points = [
            (d("2024-02-08"), 1.0),
            (d("2024-02-19"), 2.0), // Spring Festival: 11 days, one line
            (d("2024-12-31"), 3.0), // months without data: a new line
            (d("2025-03-03"), 4.0), // and again
            (d("2025-03-04"), 5.0),
        ];
        let parts: Vec<usize> = segments(&points).map(<[_]>::len).collect();
        assert_eq!(parts, [2, 1, 2]);
        assert_eq!(segments(&[]).count(), 0);
    }

    #[test]
    fn month_ticks_fall_on_month_starts() {
        let starts = month_starts(d("2021-07-16"), d("2021-10-01"));
        assert_eq!(starts, [d("2021-08-01"), d("2021-09-01"), d("2021-10-01")]);
        assert_eq!(label_step(3), 1);
        assert_eq!(label_step(30), 3);
        assert_eq!(label_step(120), 12);
    }

    #[test]
    fn empty_and_mismatched_charts_are_errors() {
        let empty = LineChart {
            title: "t".into(),
            footnote: String::new(),
            panels: vec![Panel::default()],
            markers: vec![],
        };
        assert!(matches!(empty.to_svg(), Err(ReportError::Chart { .. })));
        let bars = BarChart {
            title: "volume".into(),
            y_label: "Mt".into(),
            footnote: String::new(),
            categories: vec!["2021-07".into(), "2021-08".into()],
            series: vec![("published".into(), vec![1.0])],
        };
        let err = bars.to_svg().unwrap_err().to_string();
        assert!(
            err.contains("published") && err.contains('1') && err.contains('2'),
            "{err}"
        );
    }

    #[test]
    fn bar_chart_labels_categories() {
        let bars = BarChart {
            title: "Monthly volume".into(),
            y_label: "Mt".into(),
            footnote: "note".into(),
            categories: vec!["2021-07".into(), "2021-08".into()],
            series: vec![
                ("published".into(), vec![5.95, 2.49]),
                ("simulated".into(), vec![5.95, 2.49]),
            ],
        };
        let svg = bars.to_svg().unwrap();
        assert!(
            svg.contains("2021-08") && svg.contains("Monthly volume") && svg.contains("simulated")
        );
        assert!(svg.matches("<rect").count() >= 4);
    }
}
