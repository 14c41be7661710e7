package org.trame.jobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class JobsArchitectureTest {
  private static final JavaClasses JOBS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.trame.jobs");

  @Test
  void onlyMainEndsTheJvm() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName("org.trame.jobs.cli.Main")
        .should()
        .callMethod(System.class, "exit", int.class)
        .check(JOBS);
  }

  @Test
  void transformsDoNotDependOnTheCli() {
    noClasses()
        .that()
        .resideInAnyPackage("org.trame.jobs.pseudonymize..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.trame.jobs.cli..")
        .check(JOBS);
  }
}
