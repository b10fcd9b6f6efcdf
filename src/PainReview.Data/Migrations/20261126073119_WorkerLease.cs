using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PainReview.Data.Migrations
{
    /// <inheritdoc />
    public partial class WorkerLease : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseUntilUtc",
                table: "Recordings",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Worker",
                table: "Recordings",
                type: "TEXT",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LeaseUntilUtc",
                table: "Recordings");

            migrationBuilder.DropColumn(
                name: "Worker",
                table: "Recordings");
        }
    }
}
