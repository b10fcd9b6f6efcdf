using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PainReview.Data.Migrations
{
    /// <inheritdoc />
    public partial class ValidatedRecord : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Participants_StudyId_Code",
                table: "Participants");

            migrationBuilder.AddColumn<string>(
                name: "DeletedBy",
                table: "Recordings",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "DeletedUtc",
                table: "Recordings",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeletionReason",
                table: "Recordings",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "FilesPurgedUtc",
                table: "Recordings",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "NormalizedCode",
                table: "Participants",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Existing codes get their upper-case form before the case-insensitive unique index.
            migrationBuilder.Sql("UPDATE \"Participants\" SET \"NormalizedCode\" = UPPER(\"Code\");");

            migrationBuilder.AddColumn<string>(
                name: "WithdrawalReason",
                table: "Participants",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WithdrawnBy",
                table: "Participants",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "WithdrawnUtc",
                table: "Participants",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PreviousHash",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Corrections",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StudyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordingId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ParticipantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Field = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Before = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    After = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    CorrectedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Corrections", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReviewSignatures",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RecordingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SignerId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    SignerName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    SignerEmail = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Meaning = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SignedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RecordHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AnalysisVersion = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    VoidedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    VoidedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    VoidReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewSignatures", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReviewSignatures_Recordings_RecordingId",
                        column: x => x.RecordingId,
                        principalTable: "Recordings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Participants_StudyId_NormalizedCode",
                table: "Participants",
                columns: new[] { "StudyId", "NormalizedCode" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Corrections_ParticipantId",
                table: "Corrections",
                column: "ParticipantId");

            migrationBuilder.CreateIndex(
                name: "IX_Corrections_RecordingId",
                table: "Corrections",
                column: "RecordingId");

            migrationBuilder.CreateIndex(
                name: "IX_Corrections_StudyId",
                table: "Corrections",
                column: "StudyId");

            migrationBuilder.CreateIndex(
                name: "IX_ReviewSignatures_RecordingId",
                table: "ReviewSignatures",
                column: "RecordingId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Corrections");

            migrationBuilder.DropTable(
                name: "ReviewSignatures");

            migrationBuilder.DropIndex(
                name: "IX_Participants_StudyId_NormalizedCode",
                table: "Participants");

            migrationBuilder.DropColumn(
                name: "DeletedBy",
                table: "Recordings");

            migrationBuilder.DropColumn(
                name: "DeletedUtc",
                table: "Recordings");

            migrationBuilder.DropColumn(
                name: "DeletionReason",
                table: "Recordings");

            migrationBuilder.DropColumn(
                name: "FilesPurgedUtc",
                table: "Recordings");

            migrationBuilder.DropColumn(
                name: "NormalizedCode",
                table: "Participants");

            migrationBuilder.DropColumn(
                name: "WithdrawalReason",
                table: "Participants");

            migrationBuilder.DropColumn(
                name: "WithdrawnBy",
                table: "Participants");

            migrationBuilder.DropColumn(
                name: "WithdrawnUtc",
                table: "Participants");

            migrationBuilder.DropColumn(
                name: "Hash",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "PreviousHash",
                table: "AuditEvents");

            migrationBuilder.CreateIndex(
                name: "IX_Participants_StudyId_Code",
                table: "Participants",
                columns: new[] { "StudyId", "Code" },
                unique: true);
        }
    }
}
