"""Rule packs shipped with the platform (YAML); `jiancha.services.packs` loads them."""
