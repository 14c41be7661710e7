package org.trame;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** common stays usable without Spark or Hadoop, and never ends the JVM. */
class CommonArchitectureTest {
  private static final JavaClasses COMMON =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.trame");

  @Test
  void importsNoSparkOrHadoop() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.spark..", "org.apache.hadoop..", "scala..")
        .check(COMMON);
  }

  @Test
  void neverCallsSystemExit() {
    noClasses().should().callMethod(System.class, "exit", int.class).check(COMMON);
  }
}
