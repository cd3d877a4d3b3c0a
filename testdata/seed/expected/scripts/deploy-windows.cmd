@echo off
REM Deploy grok2api on Windows with Docker Desktop (amd64).
REM Usage: deploy-windows.cmd [tag]
setlocal

set IMAGE_REPO=ghcr.io/gdtiti/grok2api-api
set TAG=latest-amd64
if not "%~1"=="" set TAG=%~1

REM always refresh the default tag first
docker pull ghcr.io/gdtiti/grok2api-api:latest-amd64
if errorlevel 1 goto :error
docker pull %IMAGE_REPO%:%TAG%
if errorlevel 1 goto :error

docker rm -f grok2api >nul 2>&1
docker run -d --name grok2api -p 8000:8000 --env-file .env %IMAGE_REPO%:%TAG%
if errorlevel 1 goto :error

echo grok2api is running on http://localhost:8000
endlocal
exit /b 0

:error
echo Deployment failed. Check "docker login ghcr.io" and the image name.
endlocal
exit /b 1
