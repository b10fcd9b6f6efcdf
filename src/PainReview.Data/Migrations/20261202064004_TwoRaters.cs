using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PainReview.Data.Migrations
{
    /// <inheritdoc />
    public partial class TwoRaters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "BlindRaters",
                table: "Studies",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "TwoRaters",
                table: "Studies",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "RaterAssignments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RecordingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    StudyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Slot = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AssignedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AssignedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SignedUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RaterAssignments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RaterAssignments_Recordings_RecordingId",
                        column: x => x.RecordingId,
                        principalTable: "Recordings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RaterDecisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RecordingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Slot = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    FrameIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    Decision = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Reviewer = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RaterDecisions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RaterDecisions_Recordings_RecordingId",
                        column: x => x.RecordingId,
                        principalTable: "Recordings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RaterAssignments_RecordingId_Slot",
                table: "RaterAssignments",
                columns: new[] { "RecordingId", "Slot" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RaterAssignments_StudyId_UserId",
                table: "RaterAssignments",
                columns: new[] { "StudyId", "UserId" });

            migrationBuilder.CreateIndex(
                name: "IX_RaterDecisions_RecordingId_Slot_FrameIndex",
                table: "RaterDecisions",
                columns: new[] { "RecordingId", "Slot", "FrameIndex" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RaterAssignments");

            migrationBuilder.DropTable(
                name: "RaterDecisions");

            migrationBuilder.DropColumn(
                name: "BlindRaters",
                table: "Studies");

            migrationBuilder.DropColumn(
                name: "TwoRaters",
                table: "Studies");
        }
    }
}
