package org.trame.landing;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Reads delimited text one record at a time, with the line number of every record and a reason for
 * every record it cannot read, so that no line is lost or silently mangled.
 *
 * <p>It reads bytes, splits physical lines on {@code \n} (dropping a trailing {@code \r}), and
 * decodes each line strictly: a line that is not valid in the declared charset becomes an error
 * record, not replacement characters. A UTF-8 byte-order mark before the first line is skipped.
 * Quoted fields may hold the delimiter, doubled quotes and line breaks (up to {@code
 * maxRecordLines} lines); a quote never closed is reported at its line and column, and reading
 * resumes at the next line. Blank lines hold no data and are skipped. Memory is bounded by {@code
 * maxLineBytes}, whatever the input.
 */
public final class CsvReader implements Closeable {
  /** One record: its first line, and either its fields or why it could not be read. */
  public record Record(long line, List<String> fields, String error) {
    public boolean ok() {
      return error == null;
    }
  }

  /** Bounds that keep memory flat on hostile input. */
  public record Limits(int maxLineBytes, int maxRecordLines, int maxFields) {
    /** 1 MiB lines, 50 lines per quoted record, 10,000 fields. */
    public static Limits defaults() {
      return new Limits(1 << 20, 50, 10_000);
    }
  }

  private record Physical(long number, String text, String error) {}

  private final InputStream in;
  private final CharsetDecoder decoder;
  private final char delimiter;
  private final char quote;
  private final Limits limits;
  private final boolean utf8;
  private final boolean singleByte;
  private final Deque<Physical> pushedBack = new ArrayDeque<>();
  private byte[] buffer = new byte[8192];
  private final byte[] chunk = new byte[65536];
  private int chunkPos;
  private int chunkLen;
  private long physicalLines;
  private boolean eof;

  public CsvReader(InputStream in, Charset charset, char delimiter, char quote, Limits limits) {
    this.in = in;
    this.decoder =
        charset
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    this.delimiter = delimiter;
    this.quote = quote;
    this.limits = limits;
    this.utf8 = charset.equals(StandardCharsets.UTF_8);
    this.singleByte = !utf8 && charset.canEncode() && charset.newEncoder().maxBytesPerChar() == 1;
  }

  /** The number of physical lines read so far. */
  public long linesRead() {
    return physicalLines;
  }

  /**
   * The next record, or null at the end of the input.
   *
   * @throws IOException when the input itself fails (a truncated gzip stream, for example)
   */
  public Record next() throws IOException {
    while (true) {
      Physical first = nextPhysical();
      if (first == null) {
        return null;
      }
      if (first.error() != null) {
        return new Record(first.number(), null, first.error());
      }
      if (first.text().isEmpty()) {
        continue;
      }
      // The first line is split as it is; a builder is only made when a quoted field runs on.
      List<Physical> consumed = List.of();
      CharSequence text = first.text();
      int firstOpenQuote = 0;
      while (true) {
        Parse p = split(text);
        if (consumed.isEmpty()) {
          firstOpenQuote = p.openQuoteColumn;
        }
        if (p.fields != null) {
          if (p.fields.size() > limits.maxFields()) {
            return new Record(first.number(), null, "more than " + limits.maxFields() + " fields");
          }
          return new Record(first.number(), p.fields, null);
        }
        if (p.error != null) {
          if (!consumed.isEmpty()) {
            // Taking the next lines in did not make a record: the quote on the first line is
            // the broken one, and the lines after it are records of their own.
            return unclosed(first, consumed, firstOpenQuote);
          }
          return new Record(first.number(), null, p.error);
        }
        // A quoted field runs past the end of the line: take the next line into it, within bounds.
        Physical more = consumed.size() + 1 < limits.maxRecordLines() ? nextPhysical() : null;
        if (consumed.isEmpty()) {
          consumed = new ArrayList<>();
        }
        if (more == null
            || more.error() != null
            || text.length() + more.text().length() > limits.maxLineBytes()) {
          if (more != null) {
            consumed.add(more);
          }
          for (int i = consumed.size() - 1; i >= 0; i--) {
            pushedBack.push(consumed.get(i));
          }
          return new Record(
              first.number(),
              null,
              "column " + p.openQuoteColumn + ": quote opened here is never closed");
        }
        consumed.add(more);
        // The builder is made once, on the record's second line, and grows from there.
        StringBuilder joined =
            text instanceof StringBuilder b
                ? b
                : new StringBuilder(text.length() + 1 + more.text().length()).append(text);
        text = joined.append('\n').append(more.text());
      }
    }
  }

  private Record unclosed(Physical first, List<Physical> consumed, int column) {
    for (int i = consumed.size() - 1; i >= 0; i--) {
      pushedBack.push(consumed.get(i));
    }
    return new Record(
        first.number(), null, "column " + column + ": quote opened here is never closed");
  }

  private static final class Parse {
    List<String> fields;
    String error;
    int openQuoteColumn;
  }

  /** The field count of the last record read: the next one's list is made that large. */
  private int lastFieldCount = 16;

  /** Splits a record's text; reports an unclosed quote's column so the caller can read on. */
  private Parse split(CharSequence s) {
    Parse out = new Parse();
    List<String> fields = new ArrayList<>(lastFieldCount);
    String line = s instanceof String str ? str : null;
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = s.length();
    int column = 1;
    while (true) {
      field.setLength(0);
      String cut = null;
      if (i < n && s.charAt(i) == quote) {
        int open = column;
        i++;
        column++;
        boolean closed = false;
        while (i < n) {
          char c = s.charAt(i);
          if (c == quote) {
            if (i + 1 < n && s.charAt(i + 1) == quote) {
              field.append(quote);
              i += 2;
              column += 2;
              continue;
            }
            closed = true;
            i++;
            column++;
            break;
          }
          field.append(c);
          column = c == '\n' ? 1 : column + 1;
          i++;
        }
        if (!closed) {
          out.openQuoteColumn = open;
          return out;
        }
        if (i < n && s.charAt(i) != delimiter) {
          out.error = "column " + column + ": text after a closing quote";
          return out;
        }
      } else if (line != null) {
        // Unquoted text of a single line: cut out at once, not copied a character at a time.
        int end = line.indexOf(delimiter, i);
        end = end < 0 ? n : end;
        cut = line.substring(i, end);
        column += end - i;
        i = end;
      } else {
        while (i < n && s.charAt(i) != delimiter) {
          field.append(s.charAt(i));
          i++;
          column++;
        }
      }
      fields.add(cut != null ? cut : field.toString());
      if (i >= n) {
        out.fields = fields;
        lastFieldCount = Math.min(fields.size(), 1024);
        return out;
      }
      i++;
      column++;
    }
  }

  private Physical nextPhysical() throws IOException {
    if (!pushedBack.isEmpty()) {
      return pushedBack.pop();
    }
    if (eof) {
      return null;
    }
    int len = 0;
    boolean tooLong = false;
    boolean sawAny = false;
    while (true) {
      if (chunkPos == chunkLen) {
        chunkLen = in.read(chunk);
        chunkPos = 0;
        if (chunkLen <= 0) {
          chunkLen = 0;
          eof = true;
          break;
        }
      }
      sawAny = true;
      byte b = chunk[chunkPos++];
      if (b == '\n') {
        break;
      }
      if (len < limits.maxLineBytes()) {
        if (len == buffer.length) {
          buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, limits.maxLineBytes()));
        }
        buffer[len++] = b;
      } else {
        tooLong = true;
      }
    }
    if (!sawAny && eof) {
      return null;
    }
    long number = ++physicalLines;
    if (tooLong) {
      return new Physical(number, null, "line longer than " + limits.maxLineBytes() + " bytes");
    }
    int start = 0;
    if (number == 1
        && utf8
        && len >= 3
        && buffer[0] == (byte) 0xEF
        && buffer[1] == (byte) 0xBB
        && buffer[2] == (byte) 0xBF) {
      start = 3;
    }
    int end = len > start && buffer[len - 1] == '\r' ? len - 1 : len;
    if (singleByte && holdsUtf8(buffer, start, end)) {
      return new Physical(
          number,
          null,
          "not valid "
              + decoder.charset().name()
              + " text, but UTF-8 text (check the declared"
              + " charset)");
    }
    try {
      CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(buffer, start, end - start));
      return new Physical(number, chars.toString(), null);
    } catch (CharacterCodingException e) {
      return new Physical(
          number,
          null,
          "not valid " + decoder.charset().name() + " text (check the declared charset)");
    }
  }

  /**
   * True when a line of a single-byte charset (Latin-1, say) holds UTF-8's two-byte form of an
   * accented Latin letter: byte C3 then a continuation byte, read as {@code Ã©} for {@code é}.
   * Latin-1 text has no reason to put {@code Ã} before a symbol or a control character, while a
   * UTF-8 file delivered as Latin-1 does it at every accent; read on, it would turn a name into
   * another one, and its pseudonym with it.
   */
  private static boolean holdsUtf8(byte[] bytes, int from, int to) {
    for (int i = from; i + 1 < to; i++) {
      if (bytes[i] == (byte) 0xC3 && (bytes[i + 1] & 0xC0) == 0x80) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
