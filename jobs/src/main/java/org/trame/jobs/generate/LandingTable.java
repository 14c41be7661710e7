package org.trame.jobs.generate;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The landing tables the generator writes: their source, warehouse name, file name per batch,
 * columns and charset. {@code conf/sources/*.yaml} describe the same tables; a test checks that
 * both agree.
 */
enum LandingTable {
  IR_BEN_R(
      "dcir",
      "IR_BEN_R",
      "ASS_NIR;BEN_NIR;BEN_NAI_DTE;BEN_NAI_ANN;BEN_NAI_MOI;BEN_SEX_COD;BEN_RNG_GEM;BEN_CDI_NIR;"
          + "BEN_DCD_DTE;BEN_RES_DPT;BEN_RES_COM;ORG_AFF_BEN"),
  ER_PRS_F(
      "dcir",
      "ER_PRS_F",
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
          + "PRS_ORD_NUM;REM_TYP_AFF;ASS_NIR;BEN_NAI_DTE;BEN_SEX_COD;BEN_RNG_GEM;PRS_NAT_REF;"
          + "EXE_SOI_DTD;EXE_SOI_DTF;PRS_ACT_QTE;PRS_PAI_MNT;BSE_REM_MNT;ETB_PRE_FIN"),
  ER_PHA_F(
      "dcir",
      "ER_PHA_F",
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;"
          + "PRS_ORD_NUM;REM_TYP_AFF;PHA_PRS_C13;PHA_ACT_QSN;PHA_ACT_PRU"),
  IR_PHA_R("dcir", "IR_PHA_R", "PHA_CIP_C13;PHA_ATC_CLA;PHA_PRX_UNI"),
  T_MCOAAB(
      "pmsi_mco",
      "T_MCOaaB",
      "ETA_NUM;RSA_NUM;DGN_PAL;DGN_REL;GRG_GHM;SEJ_NBJ;SOR_ANN;SOR_MOI;COD_SEX;AGE_ANN;BDI_COD;"
          + "ENT_MOD;SOR_MOD"),
  T_MCOAAC(
      "pmsi_mco",
      "T_MCOaaC",
      "ETA_NUM;RSA_NUM;NIR_ASS;NAI_DTE;SEX_COD;RNG_NAI;NIR_RET;NAI_RET;SEX_RET;SEJ_RET;FHO_RET;"
          + "PMS_RET;DAT_RET;EXE_SOI_DTD;EXE_SOI_DTF"),
  T_MCOAAD("pmsi_mco", "T_MCOaaD", "ETA_NUM;RSA_NUM;ASS_DGN"),
  T_MCOAAA("pmsi_mco", "T_MCOaaA", "ETA_NUM;RSA_NUM;CDC_ACT;ENT_DAT_DEL;NBR_EXE_ACT"),
  PATIENTS(
      "hospital_eds",
      "patients",
      "IPP;NOM_NAISSANCE;NOM_USAGE;PRENOM;DATE_NAISSANCE;SEXE;CODE_POSTAL;NIR"),
  ENCOUNTERS(
      "hospital_eds", "encounters", "NUM_VENUE;IPP;TYPE_VENUE;DATE_ENTREE;DATE_SORTIE;CODE_CIM10");

  /** Hospital warehouses commonly export ISO-8859-1; the national sources export UTF-8. */
  private static final Charset LATIN_1 = StandardCharsets.ISO_8859_1;

  final String source;
  final String table;
  final List<String> columns;

  LandingTable(String source, String table, String header) {
    this.source = source;
    this.table = table;
    this.columns = List.of(header.split(";"));
  }

  String header() {
    return String.join(";", columns);
  }

  Charset charset() {
    return source.equals("hospital_eds") ? LATIN_1 : StandardCharsets.UTF_8;
  }

  /** The landing file name in a batch: PMSI tables carry the year ({@code T_MCO23B.csv.gz}). */
  String fileName(String batch) {
    return table.replace("aa", batch.substring(2, 4)) + ".csv.gz";
  }

  /** Where truth records of this table go, under {@code truth/}. */
  String truthFile() {
    return source + "/" + table + ".csv.gz";
  }

  /** The batches' sources, in a stable order. */
  static List<String> sources() {
    return List.of("dcir", "pmsi_mco", "hospital_eds");
  }
}
