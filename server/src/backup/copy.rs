//! The off-site copy (`OCPIZZA_BACKUP_COPY_TO`): each new backup and its manifest go to object
//! storage (`s3://bucket/prefix`, credentials and endpoint from the usual `AWS_*` variables)
//! or to another directory (`file:///mnt/share/ocpizza`, e.g. a mounted share), through
//! `object_store`. Uploads are multipart, so a large dump is never held in memory; an object
//! appears under its name only once complete.

use anyhow::{Context, bail};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Where copies go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    url: url::Url,
}

impl Target {
    /// Parses `s3://bucket[/prefix]` or `file:///absolute/dir`.
    pub fn parse(text: &str) -> anyhow::Result<Target> {
        let url = url::Url::parse(text)
            .with_context(|| format!("{text:?}: expected s3://bucket/prefix or file:///dir"))?;
        match url.scheme() {
            "s3" if url.host_str().is_some_and(|h| !h.is_empty()) => {}
            "file" if url.path().len() > 1 => {}
            _ => bail!("{text:?}: expected s3://bucket/prefix or file:///dir"),
        }
        if url.password().is_some() || !url.username().is_empty() {
            bail!("put no credentials in the URL: S3 reads them from AWS_* variables");
        }
        Ok(Target { url })
    }

    /// The target as written (no secret in it).
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    fn store(&self) -> anyhow::Result<(Arc<dyn ObjectStore>, ObjectPath)> {
        match self.url.scheme() {
            "file" => {
                let dir = self
                    .url
                    .to_file_path()
                    .map_err(|()| anyhow::anyhow!("{}: not a local path", self.url))?;
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)?;
                Ok((Arc::new(store), ObjectPath::default()))
            }
            _ => {
                let store = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(self.url.as_str())
                    .build()
                    .context("configuring S3 (AWS_* variables)")?;
                let prefix = ObjectPath::from_url_path(self.url.path())?;
                Ok((Arc::new(store), prefix))
            }
        }
    }

    /// Uploads `files` (local paths) under the target, each named by its file name.
    pub async fn upload(&self, files: &[&Path]) -> anyhow::Result<()> {
        let (store, prefix) = self.store()?;
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .context("a backup file name is not UTF-8")?;
            let location = prefix.clone().join(name);
            upload_one(store.as_ref(), &location, file)
                .await
                .with_context(|| format!("copying {name} to {}", self.url))?;
        }
        Ok(())
    }

    /// Reads an object back (for tests and checks).
    pub async fn download(&self, name: &str) -> anyhow::Result<Vec<u8>> {
        let (store, prefix) = self.store()?;
        let got = store.get(&prefix.join(name)).await?;
        Ok(got.bytes().await?.to_vec())
    }
}

async fn upload_one(
    store: &dyn ObjectStore,
    location: &ObjectPath,
    file: &Path,
) -> anyhow::Result<()> {
    let mut input = std::fs::File::open(file)?;
    let mut upload = WriteMultipart::new(store.put_multipart(location).await?);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match input.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                let _ = upload.abort().await;
                return Err(e.into());
            }
        };
        if n == 0 {
            break;
        }
        upload.wait_for_capacity(4).await?;
        upload.write(&buf[..n]);
    }
    upload.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_s3_and_local_directories_without_credentials_are_accepted() {
        assert!(Target::parse("s3://ocpizza-backups/paris").is_ok());
        assert!(Target::parse("file:///mnt/share/ocpizza").is_ok());
        for bad in [
            "s3://",
            "file:///",
            "ftp://host/x",
            "/mnt/share",
            "s3://key:secret@bucket/x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
