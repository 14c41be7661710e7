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

  /**
   * The keystore is opened by commands, on the driver, and nowhere else: jobs get the keys they
   * need as values, which travel to executors inside their tasks. So no executor ever needs the
   * keystore file or its password (the cluster runs of DemoIT give them neither).
   */
  @Test
  void onlyCommandsOpenTheKeystore() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "org.trame.jobs.cli..", "org.trame.jobs.demo..", "org.trame.jobs.rekey..")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("org.trame.key.KeyStores")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("org.trame.key.KeyStoreProvider")
        .check(JOBS);
  }
}
