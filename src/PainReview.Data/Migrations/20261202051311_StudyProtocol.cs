using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PainReview.Data.Migrations
{
    /// <inheritdoc />
    public partial class StudyProtocol : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ProtocolVersion",
                table: "ReviewSignatures",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ProtocolVersion",
                table: "ReviewDecisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "WasApex",
                table: "ReviewDecisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ProtocolVersion",
                table: "Recordings",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Detected",
                table: "FrameResults",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "FeatureCount",
                table: "FrameResults",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<byte[]>(
                name: "Features",
                table: "FrameResults",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "MultipleFaces",
                table: "FrameResults",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "PoseOk",
                table: "FrameResults",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "Smile",
                table: "FrameResults",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "SubjectUncertain",
                table: "FrameResults",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "StudyProtocols",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StudyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ConfigJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RescoreTotal = table.Column<int>(type: "INTEGER", nullable: false),
                    RescoreDone = table.Column<int>(type: "INTEGER", nullable: false),
                    RescoreReanalysed = table.Column<int>(type: "INTEGER", nullable: false),
                    RescoreStartedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RescoreFinishedUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StudyProtocols", x => x.Id);
                    table.ForeignKey(
                        name: "FK_StudyProtocols_Studies_StudyId",
                        column: x => x.StudyId,
                        principalTable: "Studies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_StudyProtocols_StudyId_Version",
                table: "StudyProtocols",
                columns: new[] { "StudyId", "Version" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StudyProtocols");

            migrationBuilder.DropColumn(
                name: "ProtocolVersion",
                table: "ReviewSignatures");

            migrationBuilder.DropColumn(
                name: "ProtocolVersion",
                table: "ReviewDecisions");

            migrationBuilder.DropColumn(
                name: "WasApex",
                table: "ReviewDecisions");

            migrationBuilder.DropColumn(
                name: "ProtocolVersion",
                table: "Recordings");

            migrationBuilder.DropColumn(
                name: "Detected",
                table: "FrameResults");

            migrationBuilder.DropColumn(
                name: "FeatureCount",
                table: "FrameResults");

            migrationBuilder.DropColumn(
                name: "Features",
                table: "FrameResults");

            migrationBuilder.DropColumn(
                name: "MultipleFaces",
                table: "FrameResults");

            migrationBuilder.DropColumn(
                name: "PoseOk",
                table: "FrameResults");

            migrationBuilder.DropColumn(
                name: "Smile",
                table: "FrameResults");

            migrationBuilder.DropColumn(
                name: "SubjectUncertain",
                table: "FrameResults");
        }
    }
}
