using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PainReview.Data.PostgreSql.Migrations
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
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "DeletedUtc",
                table: "Recordings",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeletionReason",
                table: "Recordings",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "FilesPurgedUtc",
                table: "Recordings",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "NormalizedCode",
                table: "Participants",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Existing codes get their upper-case form before the case-insensitive unique index.
            migrationBuilder.Sql("UPDATE \"Participants\" SET \"NormalizedCode\" = UPPER(\"Code\");");

            migrationBuilder.AddColumn<string>(
                name: "WithdrawalReason",
                table: "Participants",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WithdrawnBy",
                table: "Participants",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "WithdrawnUtc",
                table: "Participants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "AuditEvents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PreviousHash",
                table: "AuditEvents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Corrections",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    StudyId = table.Column<Guid>(type: "uuid", nullable: false),
                    RecordingId = table.Column<Guid>(type: "uuid", nullable: true),
                    ParticipantId = table.Column<Guid>(type: "uuid", nullable: true),
                    Field = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Before = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    After = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    Reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    CorrectedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    AtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Corrections", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReviewSignatures",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RecordingId = table.Column<Guid>(type: "uuid", nullable: false),
                    SignerId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    SignerName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    SignerEmail = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Meaning = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SignedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RecordHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    AnalysisVersion = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    VoidedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    VoidedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    VoidReason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
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
