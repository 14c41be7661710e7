package org.trame.landing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
  private static List<CsvReader.Record> read(byte[] bytes, Charset charset, CsvReader.Limits limits)
      throws IOException {
    List<CsvReader.Record> out = new ArrayList<>();
    try (CsvReader r = new CsvReader(new ByteArrayInputStream(bytes), charset, ';', '"', limits)) {
      for (CsvReader.Record rec = r.next(); rec != null; rec = r.next()) {
        out.add(rec);
      }
    }
    return out;
  }

  private static List<CsvReader.Record> read(String text) throws IOException {
    return read(
        text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8, CsvReader.Limits.defaults());
  }

  @Test
  void readsFieldsWithLineNumbers() throws IOException {
    List<CsvReader.Record> r = read("a;b;c\r\n1;2;3\n\n4;;6\n;x;\n");
    assertThat(r).extracting(CsvReader.Record::line).containsExactly(1L, 2L, 4L, 5L);
    assertThat(r.get(2).fields()).containsExactly("4", "", "6");
    assertThat(r.get(3).fields()).as("empty first and last fields").containsExactly("", "x", "");
  }

  @Test
  void quotedFieldsHoldDelimitersQuotesAndLineBreaks() throws IOException {
    List<CsvReader.Record> r =
        read(
            "a;b\n\"x;y\";\"say \"\"hi\"\"\"\n\"two\nlines\";z\nlast;1\n\"over\nthree\nlines\";w\n");
    assertThat(r.get(1).fields()).containsExactly("x;y", "say \"hi\"");
    assertThat(r.get(2).fields()).containsExactly("two\nlines", "z");
    assertThat(r.get(3).line()).isEqualTo(5L);
    assertThat(r.get(4).line()).isEqualTo(6L);
    assertThat(r.get(4).fields()).containsExactly("over\nthree\nlines", "w");
  }

  @Test
  void unclosedQuoteIsReportedAndReadingResumesAtTheNextLine() throws IOException {
    CsvReader.Limits limits = new CsvReader.Limits(1 << 20, 3, 100);
    List<CsvReader.Record> r =
        read(
            "a;b\n1;\"open\n2;x\n3;y\n4;z\n".getBytes(StandardCharsets.UTF_8),
            StandardCharsets.UTF_8,
            limits);
    assertThat(r.get(1).line()).isEqualTo(2L);
    assertThat(r.get(1).error()).isEqualTo("column 3: quote opened here is never closed");
    assertThat(r.subList(2, r.size()))
        .extracting(CsvReader.Record::line)
        .containsExactly(3L, 4L, 5L);
    assertThat(r.get(2).fields()).containsExactly("2", "x");
  }

  @Test
  void quoteClosedByALaterLineDoesNotSwallowThatLine() throws IOException {
    List<CsvReader.Record> r = read("a;b;c\n1;\"open;x\n2;\"Mar\ntin\";y\n");
    assertThat(r.get(1).error()).isEqualTo("column 3: quote opened here is never closed");
    assertThat(r.get(2).line()).isEqualTo(3L);
    assertThat(r.get(2).fields()).containsExactly("2", "Mar\ntin", "y");
  }

  @Test
  void textAfterClosingQuoteIsAnError() throws IOException {
    assertThat(read("\"a\"b;c\n").get(0).error()).isEqualTo("column 4: text after a closing quote");
  }

  @Test
  void byteOrderMarkIsSkipped() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', ';', 'b', '\n'};
    assertThat(read(bom, StandardCharsets.UTF_8, CsvReader.Limits.defaults()).get(0).fields())
        .containsExactly("a", "b");
  }

  @Test
  void latin1DeclaredAsUtf8IsAnErrorNotMojibake() throws IOException {
    byte[] latin1 = "nom\nHélène\nok\n".getBytes(StandardCharsets.ISO_8859_1);
    List<CsvReader.Record> r = read(latin1, StandardCharsets.UTF_8, CsvReader.Limits.defaults());
    assertThat(r.get(1).error()).isEqualTo("not valid UTF-8 text (check the declared charset)");
    assertThat(r.get(2).fields()).containsExactly("ok");
    assertThat(
            read(latin1, StandardCharsets.ISO_8859_1, CsvReader.Limits.defaults()).get(1).fields())
        .containsExactly("Hélène");
  }

  @Test
  void utf8DeclaredAsLatin1IsAnErrorNotMojibake() throws IOException {
    byte[] utf8 = "nom\nStéphanie\nok\nOcéane;Müller\n".getBytes(StandardCharsets.UTF_8);
    for (java.nio.charset.Charset declared :
        List.of(StandardCharsets.ISO_8859_1, java.nio.charset.Charset.forName("windows-1252"))) {
      List<CsvReader.Record> r = read(utf8, declared, CsvReader.Limits.defaults());
      assertThat(r.get(1).error())
          .isEqualTo(
              "not valid "
                  + declared.name()
                  + " text, but UTF-8 text (check the declared charset)");
      assertThat(r.get(2).fields()).containsExactly("ok");
      assertThat(r.get(3).ok()).isFalse();
    }
    // Genuine Latin-1, capitals and Ã included, is read as it is.
    byte[] latin1 = "nom\nHÉLÈNE;Ã;JOÃO;ÃÃ;Stéphanie\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(
            read(latin1, StandardCharsets.ISO_8859_1, CsvReader.Limits.defaults()).get(1).fields())
        .containsExactly("HÉLÈNE", "Ã", "JOÃO", "ÃÃ", "Stéphanie");
  }

  @Test
  void hugeLinesAndTooManyFieldsAreBounded() throws IOException {
    CsvReader.Limits limits = new CsvReader.Limits(1000, 5, 50);
    String huge = "x".repeat(5000);
    List<CsvReader.Record> r =
        read(
            ("a\n" + huge + "\n" + ";".repeat(60) + "\nend\n").getBytes(StandardCharsets.UTF_8),
            StandardCharsets.UTF_8,
            limits);
    assertThat(r.get(1).error()).isEqualTo("line longer than 1000 bytes");
    assertThat(r.get(2).error()).isEqualTo("more than 50 fields");
    assertThat(r.get(3).fields()).containsExactly("end");
  }

  @Test
  void lastLineWithoutNewlineAndEmptyInput() throws IOException {
    assertThat(read("a;b\n1;2").get(1).fields()).containsExactly("1", "2");
    assertThat(read("")).isEmpty();
  }
}
