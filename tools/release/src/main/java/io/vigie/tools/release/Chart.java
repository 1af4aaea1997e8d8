package io.vigie.tools.release;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import javax.imageio.ImageIO;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The report chart (PNG, headless): FPS and p95 latency side by side, a bar per environment (category) and model
 * (series), with the gate thresholds of the gate file drawn as dashed lines on the chart they belong to. A line
 * spans the plot but a gate reads one bar: the bars a gate reads are outlined in the gate colour, the others are
 * shown, not gated (e.g. the flat-out edge-simulation run next to the edge profile the edge gates read).
 */
final class Chart {
    static final int WIDTH = 1500, HEIGHT = 620;
    private static final Color[] MODELS = { new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd) };
    private static final Color GATE = new Color(0xd62728);
    static final String GATED_NOTE = "bars outlined in red are the ones a gate reads; the others are shown, not gated";

    private Chart() {
    }

    static void write(List<ReleaseReport.PerfRow> rows, GateFile gates, Path png) throws IOException {
        write(rows, gates, png, null);
    }

    /** @param subtitle under both titles (what run this is), or null */
    static void write(List<ReleaseReport.PerfRow> unsorted, GateFile gates, Path png, String subtitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        // x86 first, then the edge simulation, then the edge profile; FP32 before INT8 within each
        List<ReleaseReport.PerfRow> rows = unsorted.stream().sorted(java.util.Comparator
                .comparingInt((ReleaseReport.PerfRow r) -> r.environment().startsWith("edge profile") ? 2
                        : r.environment().startsWith("edge") ? 1 : 0)
                .thenComparing(ReleaseReport.PerfRow::environment).thenComparing(ReleaseReport.PerfRow::model)).toList();
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            JFreeChart fps = chart("Pipeline FPS (higher is better)", "frames / s", rows, true, gates);
            JFreeChart p95 = chart("Latency p95, decode to result (lower is better)", "ms", rows, false, gates);
            for (JFreeChart c : List.of(fps, p95)) {
                if (subtitle != null) c.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 13)));
                c.addSubtitle(new TextTitle(GATED_NOTE, new Font(Font.SANS_SERIF, Font.ITALIC, 12)));
            }
            fps.draw(g, new Rectangle2D.Double(0, 0, WIDTH / 2.0, HEIGHT));
            p95.draw(g, new Rectangle2D.Double(WIDTH / 2.0, 0, WIDTH / 2.0, HEIGHT));
        } finally {
            g.dispose();
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static Color colour(String model, int i) {
        return switch (model) {
            case "FP32" -> MODELS[0];
            case "INT8" -> MODELS[1];
            default -> MODELS[2 + i % 2];
        };
    }

    /** The bars (series model, category environment) a gate of this chart reads. */
    static Set<List<String>> gated(List<ReleaseReport.PerfRow> rows, GateFile gates, String kind) {
        Set<List<String>> out = new HashSet<>();
        for (GateFile.Gate gate : gates.gates()) {
            if (!kind.equals(gate.chart())) continue;
            for (ReleaseReport.PerfRow r : rows) if (r.readBy(gate)) out.add(List.of(r.model(), r.environment()));
        }
        return out;
    }

    private static JFreeChart chart(String title, String unit, List<ReleaseReport.PerfRow> rows, boolean fps, GateFile gates) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double max = 0;
        for (ReleaseReport.PerfRow r : rows) {
            Double v = fps ? r.fps() : r.p95();
            if (v == null) continue;
            data.addValue(v, r.model(), r.environment());
            max = Math.max(max, v);
        }
        Set<List<String>> gated = gated(rows, gates, fps ? "fps" : "p95");
        JFreeChart c = ChartFactory.createBarChart(title, null, unit, data, PlotOrientation.VERTICAL, true, false, false);
        c.setBackgroundPaint(Color.WHITE);
        c.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        CategoryPlot plot = c.getCategoryPlot();
        plot.setBackgroundPaint(new Color(0xf7f7f7));
        plot.setRangeGridlinePaint(new Color(0xc8c8c8));
        CategoryAxis x = plot.getDomainAxis();
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        x.setMaximumCategoryLabelLines(3);
        x.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        plot.getRangeAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        plot.getRangeAxis().setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        BarRenderer bars = new BarRenderer() {
            private static final long serialVersionUID = 1L;

            @Override
            public java.awt.Paint getItemOutlinePaint(int row, int column) {
                return isGated(row, column) ? GATE : new Color(0, 0, 0, 0);
            }

            @Override
            public java.awt.Stroke getItemOutlineStroke(int row, int column) {
                return new BasicStroke(isGated(row, column) ? 3f : 0f);
            }

            private boolean isGated(int row, int column) {
                return gated.contains(List.of(String.valueOf(data.getRowKey(row)), String.valueOf(data.getColumnKey(column))));
            }
        };
        plot.setRenderer(bars);
        bars.setDrawBarOutline(true);
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.05);
        bars.setMaximumBarWidth(0.18);
        // a model keeps its colour whatever the order of the results (FP32 blue, INT8 orange)
        for (int i = 0; i < data.getRowCount(); i++) bars.setSeriesPaint(i, colour(String.valueOf(data.getRowKey(i)), i));
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.#")));
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        bars.setDefaultItemLabelsVisible(true);
        String kind = fps ? "fps" : "p95";
        // one line per threshold, naming every gate drawn on it
        Map<String, List<String>> lines = new TreeMap<>();
        Map<String, Double> at = new TreeMap<>();
        for (GateFile.Gate gate : gates.gates()) {
            if (!kind.equals(gate.chart()) || gate.threshold() == null || gate.relativeTo() != null) continue;
            String key = gate.op() + " " + Numbers.text(gate.threshold()) + (gate.unit() == null ? "" : " " + gate.unit());
            lines.computeIfAbsent(key, k -> new ArrayList<>()).add(gate.id());
            at.put(key, gate.threshold());
        }
        for (Map.Entry<String, List<String>> line : lines.entrySet()) {
            double threshold = at.get(line.getKey());
            ValueMarker m = new ValueMarker(threshold, GATE,
                    new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] { 8f, 5f }, 0f));
            m.setLabel("gate " + line.getKey() + ": " + String.join(", ", line.getValue()));
            m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            m.setLabelPaint(GATE);
            m.setLabelBackgroundColor(new Color(255, 255, 255, 0));
            // right end, under the line: clear of the value labels, which sit on top of the bars
            m.setLabelAnchor(RectangleAnchor.BOTTOM_RIGHT);
            m.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
            plot.addRangeMarker(m, Layer.FOREGROUND);
            max = Math.max(max, threshold);
        }
        plot.getRangeAxis().setRange(0, max <= 0 ? 1 : max * 1.18);
        return c;
    }
}
