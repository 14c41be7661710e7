package org.trame.jobs.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A log-log chart of each stage's time against the number of persons, as PNG bytes. */
final class BenchChart {
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
  };
  private static final int W = 900;
  private static final int H = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 220;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private BenchChart() {}

  /**
   * @param series per stage, points of (persons, seconds)
   */
  static byte[] png(String title, Map<String, List<double[]>> series) {
    System.setProperty("java.awt.headless", "true");
    double minX = Double.MAX_VALUE, maxX = 0, minY = Double.MAX_VALUE, maxY = 0;
    for (List<double[]> points : series.values()) {
      for (double[] p : points) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, Math.max(p[1], 0.01));
        maxY = Math.max(maxY, p[1]);
      }
    }
    double lx0 = Math.floor(Math.log10(minX));
    double lx1 = Math.max(Math.ceil(Math.log10(maxX)), lx0 + 1);
    double ly0 = Math.floor(Math.log10(minY));
    double ly1 = Math.max(Math.ceil(Math.log10(maxY)), ly0 + 1);
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (double d = lx0; d <= lx1; d++) {
      int x = LEFT + (int) ((d - lx0) / (lx1 - lx0) * pw);
      g.setColor(new Color(0xdddddd));
      g.drawLine(x, TOP, x, TOP + ph);
      g.setColor(Color.DARK_GRAY);
      g.drawString("1e" + (int) d, x - 12, TOP + ph + 18);
    }
    for (double d = ly0; d <= ly1; d++) {
      int y = TOP + ph - (int) ((d - ly0) / (ly1 - ly0) * ph);
      g.setColor(new Color(0xdddddd));
      g.drawLine(LEFT, y, LEFT + pw, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(
          d < 0
              ? String.format("%.2f s", Math.pow(10, d))
              : String.format("%.0f s", Math.pow(10, d)),
          10,
          y + 4);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, pw, ph);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, LEFT, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("persons (log)", LEFT + pw / 2 - 40, H - 15);
    int i = 0;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      Color c = COLORS[i % COLORS.length];
      g.setColor(c);
      g.setStroke(new BasicStroke(2f));
      int[] prev = null;
      for (double[] p : e.getValue()) {
        int x = LEFT + (int) ((Math.log10(p[0]) - lx0) / (lx1 - lx0) * pw);
        int y = TOP + ph - (int) ((Math.log10(Math.max(p[1], 0.01)) - ly0) / (ly1 - ly0) * ph);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (prev != null) {
          g.drawLine(prev[0], prev[1], x, y);
        }
        prev = new int[] {x, y};
      }
      int ly = TOP + 10 + i * 20;
      g.fillRect(LEFT + pw + 15, ly, 14, 10);
      g.setColor(Color.BLACK);
      g.drawString(e.getKey(), LEFT + pw + 35, ly + 10);
      i++;
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
