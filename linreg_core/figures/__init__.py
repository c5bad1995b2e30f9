"""Pure Plotly figure builders (no Streamlit): ``gd`` the gradient-descent animation, ``lab``
the learning-rate lab, ``paths`` the regularization page, ``common`` what the three share."""
