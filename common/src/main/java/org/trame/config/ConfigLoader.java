package org.trame.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads YAML configuration into records, strictly: an unknown key, a value of the wrong type or a
 * missing required field stops loading with a {@link ConfigException} that names the file, the line
 * and column, and the field's path, e.g. {@code conf/trame.yaml line 4, column 3: keys.key_fle:
 * unknown field (known: keystore, password_env, password_file)}.
 *
 * <p>YAML keys are snake_case; record components are camelCase ({@code password_env} → {@code
 * passwordEnv()}). Enum values may be written in lower case.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      YAMLMapper.builder(new YAMLFactory())
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  private static final ObjectMapper JSON =
      JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

  private ConfigLoader() {}

  /** The platform configuration {@code trame.yaml} in a configuration folder, as written. */
  public static TrameConfig loadTrameConfig(Path confDir) {
    return load(confDir.resolve("trame.yaml"), TrameConfig.class);
  }

  /**
   * Loads one YAML file into a record.
   *
   * @throws ConfigException naming the file, line, column and field when anything is wrong
   */
  public static <T> T load(Path file, Class<T> type) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("Cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString(), type);
  }

  /** Parses YAML text; {@code origin} names it in messages (usually the file path). */
  public static <T> T parse(String text, String origin, Class<T> type) {
    if (text.isBlank()) {
      throw new ConfigException(origin + ": the file is empty; see the examples in conf/");
    }
    T value;
    try {
      value = YAML.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new ConfigException(describe(origin, text, e), e);
    }
    if (value == null) {
      throw new ConfigException(origin + ": the file is empty; see the examples in conf/");
    }
    return value;
  }

  /** Writes a record as YAML with snake_case keys, as {@link #load} reads it. */
  public static String toYaml(Object value) {
    try {
      return YAML.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write configuration as YAML: " + e.getMessage(), e);
    }
  }

  /** Writes a value as one line of JSON with snake_case keys. */
  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write value as JSON: " + e.getMessage(), e);
    }
  }

  private static String describe(String origin, String text, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      List<Object> steps = new java.util.ArrayList<>();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          steps.add(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          steps.add(r.getIndex());
        }
      }
      JsonLocation key = locate(text, steps);
      at = key != null ? key : at;
    }
    String where = origin + where(at);
    if (!(e instanceof JsonMappingException m)) {
      return where + ": invalid YAML: " + firstLine(e.getOriginalMessage());
    }
    String path = path(m, e instanceof UnrecognizedPropertyException);
    String field = path.isEmpty() ? "" : path + ": ";
    if (e instanceof UnrecognizedPropertyException u) {
      return where
          + ": "
          + field
          + "unknown field '"
          + u.getPropertyName()
          + "' (known: "
          + known(u.getKnownPropertyIds())
          + ")";
    }
    if (e instanceof InvalidFormatException f) {
      String expected =
          f.getTargetType().isEnum()
              ? "one of "
                  + Arrays.stream(f.getTargetType().getEnumConstants())
                      .map(c -> c.toString().toLowerCase(java.util.Locale.ROOT))
                      .collect(Collectors.joining(", "))
              : typeName(f.getTargetType());
      return where + ": " + field + "expected " + expected + ", got '" + f.getValue() + "'";
    }
    if (e instanceof ValueInstantiationException v && v.getCause() != null) {
      return where + ": " + field + v.getCause().getMessage();
    }
    if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
      return where
          + ": "
          + field
          + "expected "
          + typeName(mi.getTargetType())
          + " ("
          + firstLine(mi.getOriginalMessage())
          + ")";
    }
    return where + ": " + field + firstLine(e.getOriginalMessage());
  }

  /**
   * Where a value sits in YAML text, as {@code " line N, column M"} (empty when it cannot be
   * found), for checks made after loading. {@code path} holds field names and list indexes, such as
   * {@code ("tables", 2, "columns", 0)}; it stops at the deepest step found.
   */
  public static String position(String text, Object... path) {
    return where(locate(text, List.of(path)));
  }

  private static String where(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return "";
    }
    return " line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  /**
   * Where the key at the end of {@code path} starts in the text. Jackson reports where its parser
   * stopped, which for buffered record properties is often the end of the mapping.
   */
  private static JsonLocation locate(String text, List<Object> path) {
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      p.nextToken();
      JsonLocation found = null;
      for (Object r : path) {
        if (r instanceof String field) {
          if (p.currentToken() != JsonToken.START_OBJECT) {
            return found;
          }
          boolean hit = false;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (field.equals(p.currentName())) {
              found = p.currentTokenLocation();
              p.nextToken();
              hit = true;
              break;
            }
            p.nextToken();
            p.skipChildren();
          }
          if (!hit) {
            return found;
          }
        } else if (r instanceof Integer index) {
          if (p.currentToken() != JsonToken.START_ARRAY) {
            return found;
          }
          for (int i = 0; i < index; i++) {
            p.nextToken();
            p.skipChildren();
          }
          p.nextToken();
          found = p.currentTokenLocation();
        }
      }
      return found;
    } catch (IOException e) {
      return null;
    }
  }

  private static String path(JsonMappingException e, boolean parentOnly) {
    StringBuilder b = new StringBuilder();
    List<JsonMappingException.Reference> refs = e.getPath();
    if (parentOnly && !refs.isEmpty()) {
      refs = refs.subList(0, refs.size() - 1);
    }
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String known(Collection<Object> ids) {
    return ids == null
        ? "none"
        : ids.stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
  }

  private static String typeName(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a text value";
    }
    if (java.util.List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping";
    }
    return type.getSimpleName();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid value";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
