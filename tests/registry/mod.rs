//! Registries for the verify tests, all on loopback: Debian's `docker-registry` (distribution
//! 2.8) run from the test with its own config, and a scripted in-process HTTP server for faults.
//!
//! Without the binary a real-registry test prints that it is skipped and passes, unless
//! `REIMAGE_REQUIRE_REGISTRY=1` (set by `.ci/run`) makes that a failure.

#![allow(dead_code, unreachable_pub)]

pub mod fake;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password of [`Registry::start_with_htpasswd`] (bcrypt hash below).
pub const USER: &str = "reimage";
pub const PASSWORD: &str = "reimage-test-secret";
const HTPASSWD: &str = "reimage:$2b$05$zEGHbtdJ4fUp7yDn.DYoe.fVbnEwMzq95vR3KtXYNd.NDSCcVpd/S\n";

/// A running `docker-registry serve`, killed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
    auth: Option<String>,
}

/// The registry binary, or `None` (after saying so) when it is not installed.
fn binary(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("REIMAGE_REGISTRY_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|d| d.join("docker-registry")),
        )
        .chain([PathBuf::from("/usr/bin/docker-registry")])
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var_os("REIMAGE_REQUIRE_REGISTRY").is_some_and(|v| v == "1") {
            panic!("REIMAGE_REQUIRE_REGISTRY=1 but docker-registry is not installed (apt-get install docker-registry)");
        }
        // Straight to stderr, past the test harness's capture: a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: docker-registry is not installed (apt-get install docker-registry); \
             set REIMAGE_REQUIRE_REGISTRY=1 to make this a failure"
        );
    }
    found
}

/// A free loopback port (bound, then released for the registry to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Registry {
    /// Starts an anonymous registry, or `None` when the binary is missing (see module docs).
    pub fn start(test: &str) -> Option<Registry> {
        Registry::spawn(test, false)
    }

    /// Starts a registry that wants basic auth ([`USER`], [`PASSWORD`]).
    pub fn start_with_htpasswd(test: &str) -> Option<Registry> {
        Registry::spawn(test, true)
    }

    fn spawn(test: &str, htpasswd: bool) -> Option<Registry> {
        let bin = binary(test)?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let auth = if htpasswd {
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, HTPASSWD).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: reimage-test\n    path: {}\n",
                file.display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
             http:\n  addr: 127.0.0.1:{port}\n{auth}",
            dir.path().join("data").display()
        );
        let config_file = dir.path().join("config.yml");
        std::fs::write(&config_file, config).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&config_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = Registry {
            child,
            port,
            _dir: dir,
            auth: htpasswd.then(|| basic(USER, PASSWORD)),
        };
        registry.wait_ready();
        Some(registry)
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn url(&self, rest: &str) -> String {
        format!("http://127.0.0.1:{}{rest}", self.port)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .new_agent()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if Registry::agent().get(&self.url("/v2/")).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not start on port {}", self.port);
    }

    fn put(&self, url: &str, content_type: &str, body: &[u8]) -> ureq::http::Response<ureq::Body> {
        let mut request = Registry::agent()
            .put(url)
            .header("Content-Type", content_type);
        if let Some(auth) = &self.auth {
            request = request.header("Authorization", auth);
        }
        request.send(body).unwrap()
    }

    /// Uploads a blob (monolithic upload) and returns its digest.
    pub fn push_blob(&self, repository: &str, bytes: &[u8]) -> String {
        let digest = format!("sha256:{}", sha256_hex(bytes));
        let mut request =
            Registry::agent().post(&self.url(&format!("/v2/{repository}/blobs/uploads/")));
        if let Some(auth) = &self.auth {
            request = request.header("Authorization", auth);
        }
        let started = request.send_empty().unwrap();
        assert_eq!(started.status().as_u16(), 202, "start upload");
        let location = started.headers()["location"].to_str().unwrap().to_owned();
        let location = if location.starts_with('/') {
            self.url(&location)
        } else {
            location
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let done = self.put(
            &format!("{location}{sep}digest={digest}"),
            "application/octet-stream",
            bytes,
        );
        assert_eq!(done.status().as_u16(), 201, "finish upload");
        digest
    }

    /// Pushes a manifest under `reference` (a tag) and returns its digest.
    pub fn push_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        body: &[u8],
    ) -> String {
        let response = self.put(
            &self.url(&format!("/v2/{repository}/manifests/{reference}")),
            media_type,
            body,
        );
        assert_eq!(
            response.status().as_u16(),
            201,
            "push manifest {repository}:{reference}"
        );
        format!("sha256:{}", sha256_hex(body))
    }

    /// Pushes a one-layer OCI image manifest under `tag`; returns its digest. `seed` makes
    /// images of the same repository differ.
    pub fn push_image(&self, repository: &str, tag: &str) -> String {
        let layer = format!("layer of {repository}:{tag}").into_bytes();
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
            sha256_hex(&layer)
        )
        .into_bytes();
        let config_digest = self.push_blob(repository, &config);
        let layer_digest = self.push_blob(repository, &layer);
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer_digest}","size":{}}}]}}"#,
            config.len(),
            layer.len()
        );
        self.push_manifest(
            repository,
            tag,
            "application/vnd.oci.image.manifest.v1+json",
            manifest.as_bytes(),
        )
    }

    /// Pushes an OCI index holding the image manifest `manifest` under `tag`; returns its digest.
    pub fn push_index(&self, repository: &str, tag: &str, manifest: &str) -> String {
        let size = Registry::agent()
            .head(&self.url(&format!("/v2/{repository}/manifests/{manifest}")))
            .header("Accept", "application/vnd.oci.image.manifest.v1+json")
            .call()
            .unwrap()
            .headers()["content-length"]
            .to_str()
            .unwrap()
            .parse::<usize>()
            .unwrap();
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest}","size":{size},"platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#
        );
        self.push_manifest(
            repository,
            tag,
            "application/vnd.oci.image.index.v1+json",
            index.as_bytes(),
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// SHA-256 (FIPS 180-4), for content digests of what the tests push.
pub fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(block[i * 4..i * 4 + 4].try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (h, v) in h.iter_mut().zip(v) {
            *h = h.wrapping_add(v);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha256_matches_the_fips_vectors() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
