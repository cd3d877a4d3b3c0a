// Product image upload widget: drag & drop, preview, client-side resize, then POST to the API.
import { apiFetch } from "./api.js";
import { t } from "./i18n.js";

const MAX_BYTES = 10 * 1024 * 1024;
const image_mode = "contain";
const imageTypes = ["image/jpeg", "image/png", "image/webp"];
const defaultImage = "/static/img/placeholder.svg";

export function createUploader(root, { productId, onUploaded = () => {} } = {}) {
  const zone = document.createElement("div");
  zone.className = "uploader";
  zone.setAttribute("role", "button");
  zone.setAttribute("aria-label", t("upload.image"));

  const imageFrame = document.createElement("div");
  imageFrame.className = "uploader__frame";
  const preview = document.createElement("img");
  preview.src = defaultImage;
  preview.style.objectFit = image_mode;
  imageFrame.appendChild(preview);
  zone.appendChild(imageFrame);

  const input = document.createElement("input");
  input.type = "file";
  input.accept = imageTypes.join(",");
  input.hidden = true;
  zone.appendChild(input);

  zone.addEventListener("click", () => input.click());
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("uploader--over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("uploader--over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("uploader--over");
    handle(e.dataTransfer.files[0]);
  });
  input.addEventListener("change", () => handle(input.files[0]));

  async function handle(file) {
    if (!file || !imageTypes.includes(file.type)) {
      zone.dataset.error = t("upload.unsupported");
      return;
    }
    if (file.size > MAX_BYTES) {
      zone.dataset.error = t("upload.tooLarge", { max: "10 MB" });
      return;
    }
    const blob = await resize(file, 2048);
    const imageUrl = URL.createObjectURL(blob);
    preview.src = imageUrl;

    const body = new FormData();
    body.append("image", blob, file.name);
    body.append("image_mode", image_mode);
    const res = await apiFetch(`/products/${productId}/images`, { method: "POST", body });
    const { image_url: uploadedUrl, id } = await res.json();
    URL.revokeObjectURL(imageUrl);
    onUploaded({ id, imageUrl: uploadedUrl });
  }

  root.appendChild(zone);
  return zone;
}

async function resize(file, longest) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/webp", 0.82));
}
