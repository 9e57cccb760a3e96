"""Sphinx extension for building the collection docsite offline.

With intersphinx off, references into the Ansible documentation and into other collections'
documentation have no target. This turns those (and only those) into links to docs.ansible.com, so
`sphinx-build -W` still fails on a broken reference inside this collection's own pages.
"""

from docutils import nodes

ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
# Labels of the Ansible documentation that antsibull-docs' generated pages refer to.
ANSIBLE_PAGES = {
    "ansible_configuration_settings": "reference_appendices/config.html",
    "common_return_values": "reference_appendices/common_return_values.html",
}


def external_url(label, own_prefix):
    """docs.ansible.com URL of a label that lives outside this docsite, else None."""
    if label in ANSIBLE_PAGES:
        return ANSIBLE_DOCS + ANSIBLE_PAGES[label]
    if label.startswith("ansible_collections.") and not label.startswith(own_prefix):
        # ansible_collections.<namespace>.<name>.<plugin>_<type>[__<anchor>]: link to the plugin's page
        parts = label.partition("__")[0].split(".")
        if len(parts) == 4:
            return "%scollections/%s/%s/%s.html" % (ANSIBLE_DOCS, parts[1], parts[2], parts[3])
    return None


def resolve(app, env, node, contnode):
    if node.get("refdomain") != "std" or node.get("reftype") != "ref":
        return None
    url = external_url(node["reftarget"], app.config.docsite_offline_own_prefix)
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference += contnode
    return reference


def setup(app):
    app.add_config_value("docsite_offline_own_prefix", "", "env")
    app.connect("missing-reference", resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
